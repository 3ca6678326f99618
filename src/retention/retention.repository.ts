// The age-based deletes of the retention job that are not the store's (submissions are erased
// through src/erasure and src/submissions/). Each is one statement and answers how many rows went.
import { Injectable } from '@nestjs/common';
import { Sql } from '../database/sql.js';

@Injectable()
export class RetentionRepository {
  constructor(private readonly sql: Sql) {}

  /**
   * Quarantined callbacks (sessions we never issued) older than `days`: their raw payload may hold
   * KTP data and no submission outcome depends on them, so the whole row goes.
   */
  purgeQuarantine(days: number): Promise<number> {
    return this.deleted(
      `DELETE FROM unmatched_callbacks WHERE received_at < now() - make_interval(days => $1)`,
      [days],
    );
  }

  /**
   * Idempotency records past their expiry (IDEMPOTENCY_TTL_HOURS after the first request). Flows
   * already ignores and takes over expired ones; this only keeps the table small.
   */
  purgeExpiredIdempotencyKeys(): Promise<number> {
    return this.deleted(`DELETE FROM idempotency_keys WHERE expires_at < now()`, []);
  }

  /** Job run records older than `days` (the admin stats show the last few only). */
  pruneJobRuns(days: number): Promise<number> {
    return this.deleted(`DELETE FROM job_runs WHERE started_at < now() - make_interval(days => $1)`, [days]);
  }

  private async deleted(statement: string, params: unknown[]): Promise<number> {
    const rows = await this.sql.query<{ n: number }>(
      `WITH d AS (${statement} RETURNING 1) SELECT count(*)::int AS n FROM d`,
      params,
    );
    return rows[0].n;
  }
}
