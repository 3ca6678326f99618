import { Module } from '@nestjs/common';
import { SubmissionsModule } from '../submissions/submissions.module.js';
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
  imports: [SubmissionsModule],
  controllers: [CallbacksController],
  // CallbackAuthGuard and CallbackBodyPipe are enhancers (@UseGuards, @Body): Nest instantiates
  // them itself (with these providers as dependencies); listing them here would make a second copy.
  providers: [...callbackMetricProviders, CallbackMetrics, CallbacksService, UnmatchedCallbacksRepository],
  exports: [UnmatchedCallbacksRepository],
})
export class CallbacksModule {}
