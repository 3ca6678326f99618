import { Module } from '@nestjs/common';
import { JobsModule } from '../jobs/jobs.module.js';
import { OneKycModule } from '../onekyc/onekyc.module.js';
import { SubmissionsModule } from '../submissions/submissions.module.js';
import { ReconciliationCron } from './reconciliation.cron.js';
import { ReconciliationMetrics, reconciliationMetricProviders } from './reconciliation.metrics.js';
import { ReconciliationService } from './reconciliation.service.js';

/**
 * Reconciliation: polls pending submissions whose callback may be lost and expires the stale
 * ones, on a schedule. Writes through the store (SubmissionsModule); the provider client comes
 * from OneKycModule (one instance per app, so one rate limit shared with initiations); run
 * records from JobsModule. Exports ReconciliationService for the admin API's forced reconcile.
 */
@Module({
  imports: [OneKycModule, SubmissionsModule, JobsModule],
  providers: [
    ...reconciliationMetricProviders,
    ReconciliationMetrics,
    ReconciliationService,
    ReconciliationCron,
  ],
  exports: [ReconciliationService],
})
export class ReconciliationModule {}
