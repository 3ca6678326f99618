// The store's poll bookkeeping for reconciliation: claiming due rows (a lease on next_poll_at),
// writing back poll schedules, and locking rows the clock settles. Scheduling state only
// (next_poll_at, last_polled_at, poll_attempts): not a change of the verification, so no version,
// event or follow-up; outcomes go through SubmissionsRepository.applyTransition.
import { Injectable } from '@nestjs/common';
import { Sql, Tx } from '../database/sql.js';
import { expiryDeadlineSql, PENDING_SQL } from './submission-sql.js';

/** A submission claimed for one poll. */
export interface ClaimedPoll {
  id: string;
  userId: string;
  userIdType: string;
  /** Polls recorded since the row's last change (drives the backoff exponent). */
  pollsSinceChange: number;
}

/** A pending submission past its deadline, locked for settling. */
export interface ExpiringRow {
  id: string;
  /** The SDK token's expiry passed (else: SUBMISSION_EXPIRE_AFTER_HOURS did). */
  tokenExpired: boolean;
}

/** Polls recorded since the row's last change (updated_at), for the backoff. */
const POLLS_SINCE_CHANGE = (alias: string) => `(SELECT count(*) FROM submission_events e
  WHERE e.submission_id = ${alias}.id AND e.type = 'POLL' AND e.created_at > ${alias}.updated_at)::int`;

interface ClaimedRow {
  id: string;
  user_id: string;
  user_id_type: string;
  polls_since_change: number;
}

const toClaimed = (r: ClaimedRow): ClaimedPoll => ({
  id: r.id,
  userId: r.user_id,
  userIdType: r.user_id_type,
  pollsSinceChange: r.polls_since_change,
});

@Injectable()
export class SubmissionPollsRepository {
  constructor(private readonly sql: Sql) {}

  /**
   * One short statement (its own transaction): locks up to `limit` due, initiated, pending rows,
   * skipping rows another instance holds, and pushes their next_poll_at out by `leaseSeconds` so
   * no other claim takes them again while we poll. The poll's write-back replaces the lease.
   */
  async claimDue(limit: number, leaseSeconds: number): Promise<ClaimedPoll[]> {
    const rows = await this.sql.query<ClaimedRow>(
      `WITH due AS (
         SELECT id FROM submissions
         WHERE status IN ${PENDING_SQL} AND next_poll_at <= now() AND initiated_at IS NOT NULL
         ORDER BY next_poll_at
         LIMIT $1
         FOR UPDATE SKIP LOCKED
       ), claimed AS (
         UPDATE submissions s SET next_poll_at = now() + make_interval(secs => $2)
         FROM due WHERE s.id = due.id
         RETURNING s.id, s.user_id, s.user_id_type, s.updated_at
       )
       SELECT c.id, c.user_id, c.user_id_type, ${POLLS_SINCE_CHANGE('c')} AS polls_since_change
       FROM claimed c`,
      [limit, leaseSeconds],
      { name: 'polls_claim_due' },
    );
    return rows.map(toClaimed);
  }

  /** The facts a poll needs about one row (no lease: an operator asked for it now). */
  async findForPoll(id: string): Promise<ClaimedPoll | null> {
    const rows = await this.sql.query<ClaimedRow>(
      `SELECT s.id, s.user_id, s.user_id_type, ${POLLS_SINCE_CHANGE('s')} AS polls_since_change
       FROM submissions s WHERE s.id = $1`,
      [id],
    );
    return rows[0] ? toClaimed(rows[0]) : null;
  }

  /** Who owns a session id (to match an answer about another session). */
  async findOwner(id: string): Promise<{ id: string; userId: string; userIdType: string } | null> {
    const rows = await this.sql.query<{ id: string; user_id: string; user_id_type: string }>(
      `SELECT id, user_id, user_id_type FROM submissions WHERE id = $1`,
      [id],
    );
    return rows[0] ? { id: rows[0].id, userId: rows[0].user_id, userIdType: rows[0].user_id_type } : null;
  }

  /**
   * After a poll that reached the provider: one small UPDATE of the poll bookkeeping. A row that
   * is no longer pending (the poll or a callback settled it) gets no next poll. A pending row's
   * next poll never lands later than its expiry deadline, so the last poll happens just before
   * the row expires (a result that came in late but in time is not lost).
   */
  async finishPoll(id: string, delaySeconds: number, expireAfterHours: number): Promise<void> {
    const deadline = expiryDeadlineSql('$3');
    await this.sql.query(
      `UPDATE submissions SET
         last_polled_at = now(),
         poll_attempts = poll_attempts + 1,
         next_poll_at = CASE
           WHEN status NOT IN ${PENDING_SQL} THEN NULL
           WHEN ${deadline} > now() THEN LEAST(now() + make_interval(secs => $2), ${deadline})
           ELSE now() + make_interval(secs => $2)
         END
       WHERE id = $1`,
      [id, delaySeconds, expireAfterHours],
      { name: 'polls_finish' },
    );
  }

  /** A call that was never sent: due again soon, no poll counted. */
  async deferPoll(id: string, delaySeconds: number): Promise<void> {
    await this.sql.query(
      `UPDATE submissions SET next_poll_at = now() + make_interval(secs => $2)
       WHERE id = $1 AND status IN ${PENDING_SQL}`,
      [id, delaySeconds],
    );
  }

  /** Gives claimed-but-unpolled rows back (shutdown mid-batch): due at once for any instance. */
  async releaseClaims(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.sql.query(
      `UPDATE submissions SET next_poll_at = now() WHERE id = ANY($1::uuid[]) AND status IN ${PENDING_SQL}`,
      [ids],
    );
  }

  /** Inside `tx`: locks pending, initiated rows past their expiry deadline. */
  async lockExpired(tx: Tx, limit: number, expireAfterHours: number): Promise<ExpiringRow[]> {
    const rows = await this.sql.query<{ id: string; token_expired: boolean | null }>(
      `SELECT id, (sdk_expires_at <= now()) AS token_expired FROM submissions
       WHERE status IN ${PENDING_SQL} AND initiated_at IS NOT NULL AND ${expiryDeadlineSql('$1')} <= now()
       ORDER BY created_at
       LIMIT $2
       FOR UPDATE SKIP LOCKED`,
      [expireAfterHours, limit],
      { tx },
    );
    return rows.map((r) => ({ id: r.id, tokenExpired: r.token_expired === true }));
  }

  /** Inside `tx`: locks rows whose initiation never finished (a crash mid-request). */
  async lockStuckInitiations(tx: Tx, limit: number, olderThanSeconds: number): Promise<string[]> {
    const rows = await this.sql.query<{ id: string }>(
      `SELECT id FROM submissions
       WHERE status = 'INITIATED' AND initiated_at IS NULL
         AND created_at <= now() - make_interval(secs => $1)
       ORDER BY created_at
       LIMIT $2
       FOR UPDATE SKIP LOCKED`,
      [olderThanSeconds, limit],
      { tx },
    );
    return rows.map((r) => r.id);
  }
}
