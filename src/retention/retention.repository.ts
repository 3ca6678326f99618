// The age-based deletes of the retention job that are not the store's (submissions are erased
// through src/erasure and src/submissions/). Each is one statement and returns how many rows went.
import { Injectable } from '@nestjs/common';
import { Sql } from '../database/sql.js';

@Injectable()
export class RetentionRepository {
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

  /**
   * Idempotency records past their expiry (IDEMPOTENCY_TTL_HOURS after the first request). Flows
   * already ignores and takes over expired ones; this only keeps the table small.
   */
  async purgeExpiredIdempotencyKeys(): Promise<number> {
    const rows = await this.sql.query<{ n: number }>(
      `WITH d AS (DELETE FROM idempotency_keys WHERE expires_at < now() RETURNING 1)
       SELECT count(*)::int AS n FROM d`,
      [],
    );
    return rows[0].n;
  }
}
