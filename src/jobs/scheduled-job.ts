// Starts a job on a cron expression from configuration (so the @Cron decorator cannot be used),
// through Nest's SchedulerRegistry. `waitForCompletion` keeps ticks of one job from overlapping on
// an instance; a failing tick is logged and the next one runs as usual.
import { Logger } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';

const logger = new Logger('ScheduledJob');

/**
 * Adds and starts the job `name`. `variable` names the setting the expression came from, so a bad
 * expression is reported as that setting's problem.
 */
export function scheduleJob(
  registry: SchedulerRegistry,
  job: { name: string; variable: string; cronTime: string; tick: () => Promise<unknown> },
): void {
  let cron: CronJob;
  try {
    cron = CronJob.from({
      cronTime: job.cronTime,
      name: job.name,
      start: false,
      waitForCompletion: true,
      onTick: async () => {
        try {
          await job.tick();
        } catch (err) {
          logger.error({ job: job.name, err: (err as Error).message }, 'scheduled job failed');
        }
      },
    });
  } catch (err) {
    throw new Error(`${job.variable}: not a valid cron expression (${(err as Error).message})`);
  }
  registry.addCronJob(job.name, cron);
  cron.start();
}

/** Stops and removes the job, when it was scheduled. */
export function unscheduleJob(registry: SchedulerRegistry, name: string): void {
  if (registry.doesExist('cron', name)) registry.deleteCronJob(name);
}
