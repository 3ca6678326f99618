import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { OneKycModule } from '../onekyc/onekyc.module.js';
import { HealthController } from './health.controller.js';

@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'json', logger: false }), OneKycModule],
  controllers: [HealthController],
})
export class HealthModule {}
