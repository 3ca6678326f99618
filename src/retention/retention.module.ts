import { Module } from '@nestjs/common';
import { ErasureModule } from '../erasure/erasure.module.js';
import { JobsModule } from '../jobs/jobs.module.js';
import { RetentionCron } from './retention.cron.js';
import { RetentionMetrics, retentionMetricProviders } from './retention.metrics.js';
import { RetentionRepository } from './retention.repository.js';
import { RetentionService } from './retention.service.js';

/**
 * Retention: personal data erased by age (through the erasure path, so the store stays the only
 * writer of submissions) and the age-based deletes of other tables, on a schedule.
 */
@Module({
  imports: [ErasureModule, JobsModule],
  providers: [
    ...retentionMetricProviders,
    RetentionMetrics,
    RetentionRepository,
    RetentionService,
    RetentionCron,
  ],
})
export class RetentionModule {}
