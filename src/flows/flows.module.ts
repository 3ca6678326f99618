import { Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { AppConfig } from '../config/app-config.js';
import { OneKycModule } from '../onekyc/onekyc.module.js';
import { FlowsExternalController } from './flows.controller.external.js';
import { FlowsService } from './flows.service.js';
import { IdempotencyRepository } from './idempotency.repository.js';
import { PartnerThrottlerGuard } from './partner-throttler.guard.js';
import { SlidingWindowThrottlerStorage } from './sliding-window-throttler.storage.js';

@Module({
  imports: [
    OneKycModule,
    ThrottlerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        throttlers: [{ name: 'partner', ttl: 60_000, limit: config.apiRateLimitPerMinute }],
        storage: new SlidingWindowThrottlerStorage(),
      }),
    }),
  ],
  controllers: [FlowsExternalController],
  providers: [FlowsService, IdempotencyRepository, PartnerThrottlerGuard],
  exports: [IdempotencyRepository],
})
export class FlowsModule {}
