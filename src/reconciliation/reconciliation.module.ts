import { Module } from '@nestjs/common';
import { FlowsModule } from '../flows/flows.module.js';
import { OneKycModule } from '../onekyc/onekyc.module.js';
import { JobInstance } from './job-instance.js';
import { ReconciliationCron } from './reconciliation.cron.js';
import { ReconciliationMetrics, reconciliationMetricProviders } from './reconciliation.metrics.js';
import { ReconciliationRepository } from './reconciliation.repository.js';
import { ReconciliationService } from './reconciliation.service.js';
import { RetentionService } from './retention.service.js';

/**
 * Reconciliation (polls pending submissions whose callback may be lost, expires the stale ones)
 * and PII retention, both scheduled. The store is the global SubmissionsModule; the provider
 * client comes from OneKycModule (one instance per app, so one rate limit shared with
 * initiations); FlowsModule lends its idempotency repository to retention's housekeeping.
 * Exports ReconciliationService for the admin API's forced reconcile.
 */
@Module({
  imports: [OneKycModule, FlowsModule],
  providers: [
    ...reconciliationMetricProviders,
    ReconciliationMetrics,
    JobInstance,
    ReconciliationRepository,
    ReconciliationService,
    RetentionService,
    ReconciliationCron,
  ],
  exports: [ReconciliationService],
})
export class ReconciliationModule {}
