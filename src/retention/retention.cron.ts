// Schedules retention on PII_RETENTION_CRON, always: erasing personal data on time is a legal
// duty, not an optional feature. On shutdown the job stops and a batch in progress finishes.
import { Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { AppConfig } from '../config/app-config.js';
import { scheduleJob, unscheduleJob } from '../jobs/scheduled-job.js';
import { RetentionService } from './retention.service.js';

export const RETENTION_CRON_JOB = 'retention';

@Injectable()
export class RetentionCron implements OnApplicationBootstrap, OnModuleDestroy {
  constructor(
    private readonly config: AppConfig,
    private readonly registry: SchedulerRegistry,
    private readonly retention: RetentionService,
  ) {}

  onApplicationBootstrap(): void {
    scheduleJob(this.registry, {
      name: RETENTION_CRON_JOB,
      variable: 'PII_RETENTION_CRON',
      cronTime: this.config.pii.retentionCron,
      tick: () => this.retention.runOnce(),
    });
  }

  async onModuleDestroy(): Promise<void> {
    const stopping = this.retention.shutdown();
    unscheduleJob(this.registry, RETENTION_CRON_JOB);
    await stopping;
  }
}
