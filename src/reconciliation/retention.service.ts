// PII retention (PII_RETENTION_DAYS): erases KTP data, image URLs, the NIK blind index and the
// encrypted raw payloads of the events of submissions finished more than that long ago. The
// outcome (status, result, reason code, verification result) and the timeline stay; the row is
// marked (pii_redacted_at) and gets a PII_REDACTED event when something was erased. Also drops
// expired idempotency records and job run records older than JOB_RUNS_KEEP_DAYS.
//
// Safe with many instances: each batch is one statement of the store (`redact`) that locks its
// rows with FOR UPDATE SKIP LOCKED, so two instances never process the same row nor wait.
import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { IdempotencyRepository } from '../flows/idempotency.repository.js';
import { JobInstance } from './job-instance.js';
import { ReconciliationMetrics } from './reconciliation.metrics.js';
import { ReconciliationRepository, RunCounts } from './reconciliation.repository.js';
import { ErasureService } from '../erasure/erasure.service.js';

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
  private current: Promise<RetentionRunSummary> | null = null;
  private stopping = false;

  constructor(
    private readonly config: AppConfig,
    private readonly repo: ReconciliationRepository,
    private readonly erasure: ErasureService,
    private readonly idempotency: IdempotencyRepository,
    private readonly metrics: ReconciliationMetrics,
    private readonly instance: JobInstance,
  ) {}

  /** One retention run; null when one is already running on this instance (or shutting down). */
  async runOnce(): Promise<RetentionRunSummary | null> {
    if (this.current || this.stopping) {
      this.metrics.run('retention', 'skipped');
      return null;
    }
    this.current = this.run();
    try {
      return await this.current;
    } finally {
      this.current = null;
    }
  }

  async shutdown(): Promise<void> {
    this.stopping = true;
    // A batch is one short transaction: waiting for it is quick.
    await this.current?.catch(() => undefined);
  }

  private async run(): Promise<RetentionRunSummary> {
    const started = performance.now();
    const counts: RunCounts = { claimed: 0, updated: 0, unchanged: 0, failed: 0, expired: 0 };
    let eventPayloadsErased = 0;
    let jobRunsPruned = 0;
    let quarantinePurged = 0;
    let error: string | null = null;
    let runId = '';
    try {
      runId = await this.repo.startRun('retention', this.instance.id);
      const days = this.config.pii.retentionDays;
      const deadline = Date.now() + RUN_TIME_CAP_MS;
      while (!this.stopping && Date.now() < deadline) {
        // The erasure path (store redaction, then the archived images), batch by batch.
        const rows = await this.erasure.redactDue({ finishedDaysAgo: days, limit: REDACT_BATCH }, 'system');
        const erased = rows.filter((r) => r.ktpData || r.imageUrls || r.nikHash || r.eventPayloads > 0);
        const batch = {
          rows: rows.length,
          erasedRows: erased.length,
          payloads: rows.reduce((n, r) => n + r.eventPayloads, 0),
        };
        counts.claimed += batch.rows;
        counts.updated += batch.erasedRows;
        counts.unchanged += batch.rows - batch.erasedRows;
        eventPayloadsErased += batch.payloads;
        this.metrics.redacted(batch.erasedRows);
        if (batch.rows < REDACT_BATCH) break;
      }
      counts.expired = await this.idempotency.purgeExpired();
      quarantinePurged = await this.repo.purgeQuarantine(days);
      jobRunsPruned = await this.repo.pruneJobRuns(JOB_RUNS_KEEP_DAYS);
    } catch (err) {
      error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      counts.failed++;
      this.logger.error({ err: error, runId }, 'retention run failed');
    }
    const durationMs = performance.now() - started;
    if (runId) {
      await this.repo
        .finishRun(runId, counts, durationMs, error)
        .catch((err: Error) => this.logger.error({ err: err.message, runId }, 'could not record the run'));
    }
    this.metrics.run('retention', error ? 'error' : 'success', durationMs);
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
