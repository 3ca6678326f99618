// The SQL of reconciliation and retention that is not the store's: job run records and the
// housekeeping deletes. Submissions are changed only through src/submissions/.
import { Injectable } from '@nestjs/common';
import { Sql } from '../database/sql.js';

export interface RunCounts {
  claimed: number;
  updated: number;
  unchanged: number;
  failed: number;
  expired: number;
}

@Injectable()
export class ReconciliationRepository {
  constructor(private readonly sql: Sql) {}

  /**
   * Quarantined callbacks (sessions we never issued) older than `days`: their raw payload may hold
   * KTP data and no submission outcome depends on them, so the whole row goes.
   */
  async purgeQuarantine(days: number): Promise<number> {
    const rows = await this.sql.query<{ n: number }>(
      `WITH d AS (DELETE FROM unmatched_callbacks WHERE received_at < now() - make_interval(days => $1) RETURNING 1)
       SELECT count(*)::int AS n FROM d`,
      [days],
    );
    return rows[0].n;
  }

  /** Run records older than `days` (the admin stats show the last few only). */
  async pruneJobRuns(days: number): Promise<number> {
    const rows = await this.sql.query<{ n: number }>(
      `WITH d AS (DELETE FROM job_runs WHERE started_at < now() - make_interval(days => $1) RETURNING 1)
       SELECT count(*)::int AS n FROM d`,
      [days],
    );
    return rows[0].n;
  }

  // --- run records -----------------------------------------------------------------------------

  async startRun(job: string, instanceId: string): Promise<string> {
    const rows = await this.sql.query<{ id: string }>(
      `INSERT INTO job_runs (job, instance_id) VALUES ($1, $2) RETURNING id`,
      [job, instanceId],
    );
    return String(rows[0].id);
  }

  async finishRun(id: string, counts: RunCounts, durationMs: number, error: string | null): Promise<void> {
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
