// What every scheduled job (reconciliation, retention) shares: a `job_runs` row per run (which
// instance ran it, its counts, how long, the error) and the run metrics. A job's own work happens
// inside `record`; the row is written before and after it. (Old rows are deleted by retention.)
import { Injectable, Logger } from '@nestjs/common';
import { InjectMetric, makeCounterProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';
import type { Counter, Histogram } from 'prom-client';
import { Sql } from '../database/sql.js';
import { JobInstance } from './job-instance.js';

export const JOB_RUNS_TOTAL = 'onekyc_job_runs_total';
export const JOB_RUN_DURATION = 'onekyc_job_run_duration_seconds';
/** `skipped`: a tick came while this instance's previous run was still going. */
export const RUN_OUTCOMES = ['success', 'error', 'skipped'] as const;

/** The counts of a `job_runs` row; what each means is up to the job (see its service). */
export interface RunCounts {
  claimed: number;
  updated: number;
  unchanged: number;
  failed: number;
  expired: number;
}

export const emptyRunCounts = (): RunCounts => ({
  claimed: 0,
  updated: 0,
  unchanged: 0,
  failed: 0,
  expired: 0,
});

export interface RecordedRun {
  /** '' when not even the run row could be written. */
  runId: string;
  durationMs: number;
  /** `Name: message` of the error that ended the run, or null. */
  error: string | null;
}

export const jobRunMetricProviders = [
  makeCounterProvider({
    name: JOB_RUNS_TOTAL,
    help: 'Runs of the scheduled jobs (reconcile, retention), by outcome',
    labelNames: ['job', 'outcome'],
  }),
  makeHistogramProvider({
    name: JOB_RUN_DURATION,
    help: 'Duration of scheduled job runs in seconds',
    labelNames: ['job'],
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600],
  }),
];

@Injectable()
export class JobRuns {
  private readonly logger = new Logger(JobRuns.name);

  constructor(
    private readonly sql: Sql,
    private readonly instance: JobInstance,
    @InjectMetric(JOB_RUNS_TOTAL) private readonly runs: Counter<string>,
    @InjectMetric(JOB_RUN_DURATION) private readonly duration: Histogram<string>,
  ) {}

  /** Creates the job's run counters at 0, so rate() and alerts work before its first run. */
  declare(job: string): void {
    for (const outcome of RUN_OUTCOMES) this.runs.inc({ job, outcome }, 0);
  }

  /** A tick found this instance's previous run still going. */
  skipped(job: string): void {
    this.runs.inc({ job, outcome: 'skipped' });
  }

  /**
   * Runs `work` as one recorded run of `job`: the run row first, then the work (which fills
   * `counts`), then the row finished with the counts, duration and error. A failing `work` ends
   * the run with its error (logged, recorded, returned); it is not thrown.
   */
  async record(job: string, counts: RunCounts, work: (runId: string) => Promise<void>): Promise<RecordedRun> {
    const started = performance.now();
    let runId = '';
    let error: string | null = null;
    try {
      runId = await this.start(job);
      await work(runId);
    } catch (err) {
      error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      this.logger.error({ job, err: error, runId }, 'job run failed');
    }
    const durationMs = performance.now() - started;
    if (runId) {
      await this.finish(runId, counts, durationMs, error).catch((err: Error) =>
        this.logger.error({ job, err: err.message, runId }, 'could not record the run'),
      );
    }
    this.runs.inc({ job, outcome: error ? 'error' : 'success' });
    this.duration.observe({ job }, durationMs / 1000);
    return { runId, durationMs, error };
  }

  private async start(job: string): Promise<string> {
    const rows = await this.sql.query<{ id: string }>(
      `INSERT INTO job_runs (job, instance_id) VALUES ($1, $2) RETURNING id`,
      [job, this.instance.id],
    );
    return String(rows[0].id);
  }

  private async finish(
    id: string,
    counts: RunCounts,
    durationMs: number,
    error: string | null,
  ): Promise<void> {
    await this.sql.query(
      `UPDATE job_runs SET finished_at = now(), claimed = $2, updated = $3, unchanged = $4, failed = $5,
              expired = $6, duration_ms = $7, error = $8
       WHERE id = $1`,
      [
        id,
        counts.claimed,
        counts.updated,
        counts.unchanged,
        counts.failed,
        counts.expired,
        Math.round(durationMs),
        error,
      ],
    );
  }
}
