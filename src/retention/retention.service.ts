// PII retention (PII_RETENTION_DAYS): erases KTP data, image URLs, the NIK blind index and the
// encrypted raw payloads of the events of submissions finished more than that long ago, through
// the erasure path (the store's redaction, then the archived images). The outcome (status, result,
// reason code, verification result) and the timeline stay; the row is marked (pii_redacted_at) and
// gets a PII_REDACTED event when something was erased. Then the age-based deletes of data that
// outlived its use: expired idempotency records, quarantined callbacks past retention, and job
// run records older than JOB_RUNS_KEEP_DAYS.
//
// Safe with many instances: each batch is one statement of the store (`redact`) that locks its
// rows with FOR UPDATE SKIP LOCKED, so two instances never process the same row nor wait.
import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { ErasureService } from '../erasure/erasure.service.js';
import { emptyRunCounts, JobRuns, RunCounts } from '../jobs/job-runs.js';
import { SingleRun } from '../jobs/single-run.js';
import { RetentionMetrics } from './retention.metrics.js';
import { RetentionRepository } from './retention.repository.js';

/** The job's name in job_runs and the run metrics. */
const JOB = 'retention';
const REDACT_BATCH = 200;
export const JOB_RUNS_KEEP_DAYS = 30;
const RUN_TIME_CAP_MS = 10 * 60_000;

/**
 * job_runs semantics for job 'retention': claimed = finished submissions processed, updated =
 * those that had personal data erased, unchanged = those that had none left, expired = expired
 * idempotency records deleted.
 */
export interface RetentionRunSummary extends RunCounts {
  runId: string;
  eventPayloadsErased: number;
  jobRunsPruned: number;
  quarantinePurged: number;
  durationMs: number;
  error: string | null;
}

@Injectable()
export class RetentionService {
  private readonly logger = new Logger(RetentionService.name);
  private readonly single: SingleRun<RetentionRunSummary>;

  constructor(
    private readonly config: AppConfig,
    private readonly repo: RetentionRepository,
    private readonly erasure: ErasureService,
    private readonly runs: JobRuns,
    private readonly metrics: RetentionMetrics,
  ) {
    runs.declare(JOB);
    this.single = new SingleRun(() => runs.skipped(JOB));
  }

  /** One retention run; null when one is already running on this instance (or shutting down). */
  runOnce(): Promise<RetentionRunSummary | null> {
    return this.single.start(() => this.run());
  }

  async shutdown(): Promise<void> {
    // A batch is one short transaction: waiting for it is quick.
    await this.single.stop()?.catch(() => undefined);
  }

  private async run(): Promise<RetentionRunSummary> {
    const counts = emptyRunCounts();
    let eventPayloadsErased = 0;
    let jobRunsPruned = 0;
    let quarantinePurged = 0;
    const { runId, durationMs, error } = await this.runs.record(JOB, counts, async () => {
      try {
        const days = this.config.pii.retentionDays;
        const deadline = Date.now() + RUN_TIME_CAP_MS;
        while (!this.single.stopping && Date.now() < deadline) {
          const rows = await this.erasure.redactDue({ finishedDaysAgo: days, limit: REDACT_BATCH }, 'system');
          const erased = rows.filter((r) => r.ktpData || r.imageUrls || r.nikHash || r.eventPayloads > 0);
          counts.claimed += rows.length;
          counts.updated += erased.length;
          counts.unchanged += rows.length - erased.length;
          eventPayloadsErased += rows.reduce((n, r) => n + r.eventPayloads, 0);
          this.metrics.redacted(erased.length);
          if (rows.length < REDACT_BATCH) break;
        }
        counts.expired = await this.repo.purgeExpiredIdempotencyKeys();
        quarantinePurged = await this.repo.purgeQuarantine(days);
        jobRunsPruned = await this.repo.pruneJobRuns(JOB_RUNS_KEEP_DAYS);
      } catch (err) {
        counts.failed++;
        throw err;
      }
    });
    this.logger.log(
      {
        runId,
        ...counts,
        eventPayloadsErased,
        jobRunsPruned,
        quarantinePurged,
        durationMs: Math.round(durationMs),
      },
      'retention run',
    );
    return { runId, ...counts, eventPayloadsErased, jobRunsPruned, quarantinePurged, durationMs, error };
  }
}
