// Schedules the two jobs through SchedulerRegistry (cron expressions come from configuration, so
// the @Cron decorator cannot be used): reconciliation on RECONCILE_CRON when RECONCILE_ENABLED,
// retention on PII_RETENTION_CRON always (erasing personal data on time is a legal duty, not an
// optional feature). `waitForCompletion` and each service's own guard keep runs from overlapping
// on an instance. On shutdown (app.close()) the jobs stop first and a run in progress finishes
// its in-flight calls and hands unpolled rows back, while the client and the database still work.
import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { AppConfig } from '../config/app-config.js';
import { ReconciliationService } from './reconciliation.service.js';
import { RetentionService } from './retention.service.js';

export const RECONCILE_CRON_JOB = 'reconcile';
export const RETENTION_CRON_JOB = 'retention';

@Injectable()
export class ReconciliationCron implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ReconciliationCron.name);

  constructor(
    private readonly config: AppConfig,
    private readonly registry: SchedulerRegistry,
    private readonly reconciliation: ReconciliationService,
    private readonly retention: RetentionService,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.reconcile.enabled) {
      this.add(RECONCILE_CRON_JOB, 'RECONCILE_CRON', this.config.reconcile.cron, () =>
        this.reconciliation.runOnce(),
      );
    }
    this.add(RETENTION_CRON_JOB, 'PII_RETENTION_CRON', this.config.pii.retentionCron, () =>
      this.retention.runOnce(),
    );
  }

  async onModuleDestroy(): Promise<void> {
    const stopping = [this.reconciliation.shutdown(), this.retention.shutdown()];
    for (const name of [RECONCILE_CRON_JOB, RETENTION_CRON_JOB]) {
      if (this.registry.doesExist('cron', name)) this.registry.deleteCronJob(name);
    }
    await Promise.all(stopping);
  }

  private add(name: string, variable: string, cronTime: string, tick: () => Promise<unknown>): void {
    let job: CronJob;
    try {
      job = CronJob.from({
        cronTime,
        name,
        start: false,
        waitForCompletion: true,
        onTick: async () => {
          try {
            await tick();
          } catch (err) {
            this.logger.error({ job: name, err: (err as Error).message }, 'scheduled job failed');
          }
        },
      });
    } catch (err) {
      throw new Error(`${variable}: not a valid cron expression (${(err as Error).message})`);
    }
    this.registry.addCronJob(name, job);
    job.start();
  }
}
