import { Module } from '@nestjs/common';
import { CallbackAuthGuard } from './callback-auth.guard.js';
import { CallbackBodyPipe } from './callback-body.pipe.js';
import { CallbackMetrics, callbackMetricProviders } from './callback-metrics.js';
import { CallbacksController } from './callbacks.controller.js';
import { CallbacksService } from './callbacks.service.js';
import { UnmatchedCallbacksRepository } from './unmatched-callbacks.repository.js';

/**
 * Provider result callbacks: authentication, validation, exactly-once ingestion through the
 * submission store, and the quarantine of callbacks for unknown sessions. Exports the quarantine
 * repository for the admin API.
 */
@Module({
  controllers: [CallbacksController],
  providers: [
    ...callbackMetricProviders,
    CallbackMetrics,
    CallbackAuthGuard,
    CallbackBodyPipe,
    CallbacksService,
    UnmatchedCallbacksRepository,
  ],
  exports: [UnmatchedCallbacksRepository],
})
export class CallbacksModule {}
