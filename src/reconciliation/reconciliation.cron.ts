// Schedules reconciliation on RECONCILE_CRON when RECONCILE_ENABLED (the expression comes from
// configuration; see src/jobs/scheduled-job.ts). The service's own guard keeps runs from
// overlapping on an instance. On shutdown (app.close()) the job stops first and a run in progress
// finishes its in-flight calls and hands unpolled rows back, while the client and the database
// still work.
import { Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { AppConfig } from '../config/app-config.js';
import { scheduleJob, unscheduleJob } from '../jobs/scheduled-job.js';
import { ReconciliationService } from './reconciliation.service.js';

export const RECONCILE_CRON_JOB = 'reconcile';

@Injectable()
export class ReconciliationCron implements OnApplicationBootstrap, OnModuleDestroy {
  constructor(
    private readonly config: AppConfig,
    private readonly registry: SchedulerRegistry,
    private readonly reconciliation: ReconciliationService,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.reconcile.enabled) return;
    scheduleJob(this.registry, {
      name: RECONCILE_CRON_JOB,
      variable: 'RECONCILE_CRON',
      cronTime: this.config.reconcile.cron,
      tick: () => this.reconciliation.runOnce(),
    });
  }

  async onModuleDestroy(): Promise<void> {
    const stopping = this.reconciliation.shutdown();
    unscheduleJob(this.registry, RECONCILE_CRON_JOB);
    await stopping;
  }
}
