// The SQL of reconciliation and retention: claiming due rows, writing back poll schedules, job
// run records. Status never changes here: outcomes go through SubmissionsRepository.applyTransition.
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

const PENDING_SQL = `('INITIATED', 'IN_PROGRESS', 'PARTIALLY_COMPLETED')`;

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

export interface RunCounts {
  claimed: number;
  updated: number;
  unchanged: number;
  failed: number;
  expired: number;
}

export interface RedactionCandidate {
  id: string;
  hadKtp: boolean;
  hadImageUrls: boolean;
  hadNikHash: boolean;
}

@Injectable()
export class ReconciliationRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /**
   * One short statement (its own transaction): locks up to `limit` due, initiated, pending rows,
   * skipping rows another instance holds, and pushes their next_poll_at out by `leaseSeconds` so
   * no other claim takes them again while we poll. The poll's write-back replaces the lease.
   */
  async claimDue(limit: number, leaseSeconds: number): Promise<ClaimedPoll[]> {
    const rows: { id: string; user_id: string; user_id_type: string; polls_since_change: number }[] =
      await this.dataSource.query(
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
         SELECT c.id, c.user_id, c.user_id_type,
           (SELECT count(*) FROM submission_events e
             WHERE e.submission_id = c.id AND e.type = 'POLL' AND e.created_at > c.updated_at)::int
             AS polls_since_change
         FROM claimed c`,
        [limit, leaseSeconds],
      );
    return rows.map((r) => ({
      id: r.id,
      userId: r.user_id,
      userIdType: r.user_id_type,
      pollsSinceChange: r.polls_since_change,
    }));
  }

  /** The facts reconcileOne needs about one row (no lease: an operator asked for it now). */
  async findForPoll(id: string): Promise<ClaimedPoll | null> {
    const rows: { id: string; user_id: string; user_id_type: string; polls_since_change: number }[] =
      await this.dataSource.query(
        `SELECT s.id, s.user_id, s.user_id_type,
           (SELECT count(*) FROM submission_events e
             WHERE e.submission_id = s.id AND e.type = 'POLL' AND e.created_at > s.updated_at)::int
             AS polls_since_change
         FROM submissions s WHERE s.id = $1`,
        [id],
      );
    const r = rows[0];
    return r
      ? { id: r.id, userId: r.user_id, userIdType: r.user_id_type, pollsSinceChange: r.polls_since_change }
      : null;
  }

  /** Who owns a session id (to match an answer about another session). */
  async findOwner(id: string): Promise<{ id: string; userId: string; userIdType: string } | null> {
    const rows: { id: string; user_id: string; user_id_type: string }[] = await this.dataSource.query(
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
    await this.dataSource.query(
      `UPDATE submissions SET
         last_polled_at = now(),
         poll_attempts = poll_attempts + 1,
         next_poll_at = CASE
           WHEN status NOT IN ${PENDING_SQL} THEN NULL
           WHEN LEAST(sdk_expires_at, created_at + make_interval(hours => $3)) > now()
             THEN LEAST(now() + make_interval(secs => $2), sdk_expires_at, created_at + make_interval(hours => $3))
           ELSE now() + make_interval(secs => $2)
         END
       WHERE id = $1`,
      [id, delaySeconds, expireAfterHours],
    );
  }

  /** A call that was never sent: due again soon, no poll counted. */
  async deferPoll(id: string, delaySeconds: number): Promise<void> {
    await this.dataSource.query(
      `UPDATE submissions SET next_poll_at = now() + make_interval(secs => $2)
       WHERE id = $1 AND status IN ${PENDING_SQL}`,
      [id, delaySeconds],
    );
  }

  /** Gives claimed-but-unpolled rows back (shutdown mid-batch): due at once for any instance. */
  async releaseClaims(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.dataSource.query(
      `UPDATE submissions SET next_poll_at = now() WHERE id = ANY($1::uuid[]) AND status IN ${PENDING_SQL}`,
      [ids],
    );
  }

  /** Inside `em`'s transaction: locks pending rows past their deadline. */
  async lockExpired(em: EntityManager, limit: number, expireAfterHours: number): Promise<ExpiringRow[]> {
    const rows: { id: string; token_expired: boolean | null }[] = await em.query(
      `SELECT id, (sdk_expires_at <= now()) AS token_expired FROM submissions
       WHERE status IN ${PENDING_SQL} AND initiated_at IS NOT NULL
         AND (sdk_expires_at <= now() OR created_at <= now() - make_interval(hours => $1))
       ORDER BY created_at
       LIMIT $2
       FOR UPDATE SKIP LOCKED`,
      [expireAfterHours, limit],
    );
    return rows.map((r) => ({ id: r.id, tokenExpired: r.token_expired === true }));
  }

  /** Inside `em`'s transaction: locks rows whose initiation never finished (a crash mid-request). */
  async lockStuckInitiations(em: EntityManager, limit: number, olderThanSeconds: number): Promise<string[]> {
    const rows: { id: string }[] = await em.query(
      `SELECT id FROM submissions
       WHERE status = 'INITIATED' AND initiated_at IS NULL
         AND created_at <= now() - make_interval(secs => $1)
       ORDER BY created_at
       LIMIT $2
       FOR UPDATE SKIP LOCKED`,
      [olderThanSeconds, limit],
    );
    return rows.map((r) => r.id);
  }

  // --- retention -------------------------------------------------------------------------------

  /** Inside `em`'s transaction: locks finished rows past retention that retention has not processed. */
  async lockForRedaction(
    em: EntityManager,
    limit: number,
    retentionDays: number,
  ): Promise<RedactionCandidate[]> {
    const rows: { id: string; had_ktp: boolean; had_images: boolean; had_nik: boolean }[] = await em.query(
      `SELECT id, ktp_enc IS NOT NULL AS had_ktp, image_urls_enc IS NOT NULL AS had_images,
              nik_hash IS NOT NULL AS had_nik
       FROM submissions
       WHERE pii_redacted_at IS NULL AND completed_at IS NOT NULL
         AND completed_at < now() - make_interval(days => $1)
       ORDER BY completed_at
       LIMIT $2
       FOR UPDATE SKIP LOCKED`,
      [retentionDays, limit],
    );
    return rows.map((r) => ({
      id: r.id,
      hadKtp: r.had_ktp,
      hadImageUrls: r.had_images,
      hadNikHash: r.had_nik,
    }));
  }

  /**
   * Erases the personal data of locked rows: KTP data, image URLs, the NIK blind index and the
   * encrypted raw payloads of their events; marks them redacted. The outcome (status, result,
   * reason, verification result) and the timeline stay. Returns erased payloads per submission.
   */
  async redact(em: EntityManager, ids: string[]): Promise<Map<string, number>> {
    const erased: { submission_id: string; n: number }[] = await em.query(
      `WITH ev AS (
         UPDATE submission_events SET payload_enc = NULL
         WHERE submission_id = ANY($1::uuid[]) AND payload_enc IS NOT NULL
         RETURNING submission_id
       )
       SELECT submission_id, count(*)::int AS n FROM ev GROUP BY submission_id`,
      [ids],
    );
    await em.query(
      `UPDATE submissions SET ktp_enc = NULL, image_urls_enc = NULL, nik_hash = NULL,
              pii_redacted_at = now(), version = version + 1
       WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    return new Map(erased.map((r) => [r.submission_id, r.n]));
  }

  /** Appends one PII_REDACTED event per submission (details hold counts and flags, no data). */
  async appendRedactedEvents(
    em: EntityManager,
    events: { id: string; detail: Record<string, unknown> }[],
  ): Promise<void> {
    if (events.length === 0) return;
    await em.query(
      `INSERT INTO submission_events (submission_id, type, source, detail)
       SELECT u.id, 'PII_REDACTED', 'system', u.detail
       FROM unnest($1::uuid[], $2::jsonb[]) AS u(id, detail)`,
      [events.map((e) => e.id), events.map((e) => JSON.stringify(e.detail))],
    );
  }

  /**
   * Quarantined callbacks (sessions we never issued) older than `days`: their raw payload may hold
   * KTP data and no submission outcome depends on them, so the whole row goes.
   */
  async purgeQuarantine(days: number): Promise<number> {
    const res: [unknown[], number] = await this.dataSource.query(
      `DELETE FROM unmatched_callbacks WHERE received_at < now() - make_interval(days => $1)`,
      [days],
    );
    return Array.isArray(res) ? Number(res[1] ?? 0) : 0;
  }

  /** Run records older than `days` (the admin stats show the last few only). */
  async pruneJobRuns(days: number): Promise<number> {
    const res: [unknown[], number] = await this.dataSource.query(
      `DELETE FROM job_runs WHERE started_at < now() - make_interval(days => $1)`,
      [days],
    );
    return Array.isArray(res) ? Number(res[1] ?? 0) : 0;
  }

  // --- run records -----------------------------------------------------------------------------

  async startRun(job: string, instanceId: string): Promise<string> {
    const rows: { id: string }[] = await this.dataSource.query(
      `INSERT INTO job_runs (job, instance_id) VALUES ($1, $2) RETURNING id`,
      [job, instanceId],
    );
    return String(rows[0].id);
  }

  async finishRun(id: string, counts: RunCounts, durationMs: number, error: string | null): Promise<void> {
    await this.dataSource.query(
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
