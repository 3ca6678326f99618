import { Module } from '@nestjs/common';
import { tokenMetricProviders } from '../onekyc/onekyc.metrics.js';
import { AuthTokenService } from './auth-token.service.js';

/** The cached partner token. Imported (and re-exported) by OneKycModule, which binds its fetcher. */
@Module({
  providers: [...tokenMetricProviders, AuthTokenService],
  exports: [AuthTokenService],
})
export class AuthTokenModule {}
