// The admin API's SQL: read-only listings shaped for the indexes of CreateCoreTables (and
// AddSubmissionsUserCreatedIndex), stats, and the append-only audit log. Listings are keyset
// paginated with a row comparison `(created_at, id) < ($at, $id)` so PostgreSQL walks an index in
// order and stops after one page, however deep. The callbacks room writes `unmatched_callbacks`;
// the audit room writes `admin_audit_log`; this file only reads.
import { Injectable } from '@nestjs/common';
import { Sql } from '../database/sql.js';
import { PENDING_SQL } from '../submissions/submission-sql.js';
import { SubmissionResult, SubmissionStatus } from '../submissions/submission-status.js';
import type { KeysetPosition } from './admin-cursor.js';
import type { MaskedForms } from '../submissions/pii/masking.js';

export interface SubmissionListFilters {
  status?: SubmissionStatus;
  result?: SubmissionResult;
  userId?: string;
  userIdType?: string;
  providerSubmissionId?: string;
  nikHash?: string;
  /** Inclusive bounds, as timestamps PostgreSQL parses (ISO 8601 with an offset). */
  createdFrom?: string;
  createdTo?: string;
}

export interface SubmissionListRow {
  id: string;
  user_id: string;
  user_id_type: string;
  contact_type: 'PHONE' | 'EMAIL';
  /** Only on rows without masked forms (older than them): the list then masks by decrypting. */
  contact_enc: string | null;
  source: string;
  status: SubmissionStatus;
  result: SubmissionResult | null;
  reason_code: string | null;
  provider_submission_id: string | null;
  ktp_enc: string | null;
  pii_masked: MaskedForms | null;
  has_conflict: boolean;
  pii_redacted_at: Date | null;
  created_at: Date;
  updated_at: Date;
  completed_at: Date | null;
  /** created_at in UTC with microseconds: the keyset position (a JS Date keeps only milliseconds). */
  sort_at: string;
}

export interface SubmissionEventRow {
  id: string;
  type: string;
  source: string;
  from_status: string | null;
  to_status: string | null;
  status: string | null;
  result: string | null;
  provider_submission_id: string | null;
  duplicate: boolean;
  stale: boolean;
  conflict: boolean;
  detail: Record<string, unknown> | null;
  has_payload: boolean;
  created_at: Date;
}

export interface SubmissionCounts {
  byStatus: { status: SubmissionStatus; result: SubmissionResult | null; count: number }[];
  conflicts: number;
  oldestPendingCreatedAt: Date | null;
  oldestPendingAgeSeconds: number | null;
}

export interface DailyRow {
  date: string;
  created: number;
  valid: number;
  invalid: number;
  rejected: number;
  failed: number;
  p50_seconds: number | null;
  p90_seconds: number | null;
}

export interface WebhookDeliveryCounts {
  pending: number;
  retrying: number;
  succeeded: number;
  failed: number;
}

export interface JobRunRow {
  id: string;
  instance_id: string;
  started_at: Date;
  finished_at: Date | null;
  claimed: number;
  updated: number;
  unchanged: number;
  failed: number;
  expired: number;
  duration_ms: number | null;
  error: string | null;
}

export interface UnmatchedCallbackRow {
  id: string;
  partner_session_id: string;
  provider_submission_id: string | null;
  status: string | null;
  result: string | null;
  source: string;
  payload_enc: string;
  received_at: Date;
  resolved_at: Date | null;
  sort_at: string;
}

export interface RelatedVerificationRow {
  id: string;
  relation: 'NIK' | 'CONTACT';
  user_id: string;
  user_id_type: string;
  status: string;
  result: string | null;
  created_at: Date;
}

export interface AuditLogFilters {
  action?: string;
  submissionId?: string;
}

export interface AuditLogRow {
  id: string;
  actor_kind: string;
  admin_key_id: string;
  action: string;
  submission_id: string | null;
  detail: Record<string, unknown> | null;
  created_at: Date;
  sort_at: string;
}

// bigint ids arrive as strings (node-postgres); selecting them uncast keeps ORDER BY numeric.

export interface SqlQuery {
  sql: string;
  params: unknown[];
}

const SORT_AT = (col: string) => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

@Injectable()
export class AdminRepository {
  constructor(private readonly sql: Sql) {}

  /**
   * The page query, exposed so the EXPLAIN test checks exactly what runs. Every filter is an
   * equality on the leading column of its own index, so the index order is the output order:
   * no Sort node, and a deep page costs what the first does.
   */
  buildListQuery(filters: SubmissionListFilters, after: KeysetPosition | null, limit: number): SqlQuery {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (clause: (p: string) => string, value: unknown) => {
      params.push(value);
      where.push(clause(`$${params.length}`));
    };
    if (filters.status) add((p) => `status = ${p}`, filters.status);
    if (filters.result) add((p) => `result = ${p}`, filters.result);
    if (filters.userId) add((p) => `user_id = ${p}`, filters.userId);
    if (filters.userIdType) add((p) => `user_id_type = ${p}`, filters.userIdType);
    if (filters.providerSubmissionId) {
      add((p) => `provider_submission_id = ${p}`, filters.providerSubmissionId);
    }
    // nik_hash is char(64): a bpchar parameter keeps the comparison on the index's type.
    if (filters.nikHash) add((p) => `nik_hash = ${p}::bpchar`, filters.nikHash);
    if (filters.createdFrom) add((p) => `created_at >= ${p}::timestamptz`, filters.createdFrom);
    if (filters.createdTo) add((p) => `created_at <= ${p}::timestamptz`, filters.createdTo);
    if (after) {
      params.push(after.at, after.id);
      where.push(`(created_at, id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    params.push(limit);
    // The masked forms written with the row; the ciphertexts only for rows older than them.
    const sql = `SELECT id, user_id, user_id_type, contact_type, CASE WHEN pii_masked IS NULL THEN contact_enc END AS contact_enc,
              source, status, result, reason_code, provider_submission_id,
              CASE WHEN pii_masked IS NULL THEN ktp_enc END AS ktp_enc, pii_masked, has_conflict, pii_redacted_at, created_at, updated_at, completed_at,
              ${SORT_AT('created_at')} AS sort_at
       FROM submissions
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY created_at DESC, id DESC
       LIMIT $${params.length}`;
    return { sql, params };
  }

  listSubmissions(
    filters: SubmissionListFilters,
    after: KeysetPosition | null,
    limit: number,
  ): Promise<SubmissionListRow[]> {
    const { sql, params } = this.buildListQuery(filters, after, limit);
    return this.sql.query(sql, params);
  }

  /**
   * The timeline without its encrypted payloads (never shown), oldest first: the last `limit`
   * events, so a submission flooded with duplicate callbacks still shows how it ended.
   */
  async findEvents(submissionId: string, limit: number): Promise<SubmissionEventRow[]> {
    const rows = await this.sql.query<SubmissionEventRow>(
      `SELECT * FROM (
         SELECT id, type, source, from_status, to_status, status, result, provider_submission_id,
                duplicate, stale, conflict, detail, payload_enc IS NOT NULL AS has_payload, created_at
         FROM submission_events WHERE submission_id = $1
         ORDER BY id DESC LIMIT $2
       ) e ORDER BY e.id ASC`,
      [submissionId, limit],
    );
    return rows;
  }

  /** One pass over submissions: counts by (status, result), conflicts and the oldest pending row. */
  async countSubmissions(): Promise<SubmissionCounts> {
    const rows = await this.sql.query<{
      status: SubmissionStatus;
      result: SubmissionResult | null;
      count: number;
      conflicts: number;
      oldest_pending: Date | null;
      oldest_pending_age: number | null;
    }>(
      `SELECT status, result, count(*)::int AS count,
              (count(*) FILTER (WHERE has_conflict))::int AS conflicts,
              min(created_at) FILTER (WHERE status IN ${PENDING_SQL}) AS oldest_pending,
              EXTRACT(EPOCH FROM now() - min(created_at) FILTER (WHERE status IN ${PENDING_SQL}))::float8
                AS oldest_pending_age
       FROM submissions GROUP BY status, result`,
    );
    let oldest: (typeof rows)[number] | undefined;
    for (const r of rows) {
      if (r.oldest_pending !== null && (!oldest || r.oldest_pending < oldest.oldest_pending!)) oldest = r;
    }
    return {
      byStatus: rows.map((r) => ({ status: r.status, result: r.result, count: r.count })),
      conflicts: rows.reduce((n, r) => n + r.conflicts, 0),
      oldestPendingCreatedAt: oldest?.oldest_pending ?? null,
      oldestPendingAgeSeconds: oldest ? Math.max(0, Math.round(oldest.oldest_pending_age!)) : null,
    };
  }

  /**
   * Verifications created on each of the last `days` UTC days (today included, empty days as
   * zeros), their outcomes and how long those with a result took (median, 90th percentile).
   * Walks idx_submissions_created over the window only.
   */
  dailyStats(days: number): Promise<DailyRow[]> {
    return this.sql.query(
      `WITH d AS (
         SELECT day::date AS day
         FROM generate_series((now() AT TIME ZONE 'UTC')::date - ($1::int - 1),
                              (now() AT TIME ZONE 'UTC')::date, interval '1 day') AS day
       )
       SELECT to_char(d.day, 'YYYY-MM-DD') AS date,
              count(s.id)::int AS created,
              (count(s.id) FILTER (WHERE s.result = 'VALID'))::int AS valid,
              (count(s.id) FILTER (WHERE s.result = 'INVALID'))::int AS invalid,
              (count(s.id) FILTER (WHERE s.result = 'REJECTED'))::int AS rejected,
              (count(s.id) FILTER (WHERE s.status IN ('ERROR', 'EXPIRED', 'INITIATION_FAILED')))::int AS failed,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM s.completed_at - s.created_at))
                FILTER (WHERE s.result IS NOT NULL AND s.completed_at IS NOT NULL) AS p50_seconds,
              percentile_cont(0.9) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM s.completed_at - s.created_at))
                FILTER (WHERE s.result IS NOT NULL AND s.completed_at IS NOT NULL) AS p90_seconds
       FROM d LEFT JOIN submissions s
         ON s.created_at >= (d.day::timestamp AT TIME ZONE 'UTC')
        AND s.created_at < ((d.day + 1)::timestamp AT TIME ZONE 'UTC')
       GROUP BY d.day ORDER BY d.day`,
      [days],
      { name: 'admin_daily_stats' },
    );
  }

  /** The most frequent provider reason codes, most frequent first. */
  reasonCodeCounts(limit: number): Promise<{ reason_code: string; count: number }[]> {
    return this.sql.query(
      `SELECT reason_code, count(*)::int AS count FROM submissions
       WHERE reason_code IS NOT NULL GROUP BY reason_code ORDER BY count DESC, reason_code LIMIT $1`,
      [limit],
      { name: 'admin_reason_codes' },
    );
  }

  /** Webhook deliveries by state; `retrying` are pending ones that have failed at least once. */
  async webhookDeliveryCounts(): Promise<WebhookDeliveryCounts> {
    const [r] = await this.sql.query<WebhookDeliveryCounts>(
      `SELECT (count(*) FILTER (WHERE status = 'PENDING'))::int AS pending,
              (count(*) FILTER (WHERE status = 'PENDING' AND attempts > 0))::int AS retrying,
              (count(*) FILTER (WHERE status = 'SUCCEEDED'))::int AS succeeded,
              (count(*) FILTER (WHERE status = 'FAILED'))::int AS failed
       FROM webhook_deliveries`,
      [],
      { name: 'admin_delivery_counts' },
    );
    return r;
  }

  /** The newest runs of a job (reconciliation writes them), newest first. */
  lastJobRuns(job: string, limit: number): Promise<JobRunRow[]> {
    return this.sql.query(
      `SELECT id, instance_id, started_at, finished_at, claimed, updated, unchanged, failed, expired,
              duration_ms, error
       FROM job_runs WHERE job = $1 ORDER BY started_at DESC, id DESC LIMIT $2`,
      [job, limit],
    );
  }

  async countQuarantinedCallbacks(): Promise<number> {
    const rows = await this.sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM unmatched_callbacks WHERE resolved_at IS NULL`,
    );
    return rows[0].n;
  }

  /** Quarantined callbacks, newest first, on idx_unmatched_received (received_at DESC, id DESC). */
  listUnmatchedCallbacks(
    includeResolved: boolean,
    after: KeysetPosition | null,
    limit: number,
  ): Promise<UnmatchedCallbackRow[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (!includeResolved) where.push('resolved_at IS NULL');
    if (after) {
      params.push(after.at, after.id);
      where.push(`(received_at, id) < ($1::timestamptz, $2::bigint)`);
    }
    params.push(limit);
    return this.sql.query(
      `SELECT id, partner_session_id, provider_submission_id, status, result, source, payload_enc,
              received_at, resolved_at, ${SORT_AT('received_at')} AS sort_at
       FROM unmatched_callbacks
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY received_at DESC, id DESC
       LIMIT $${params.length}`,
      params,
    );
  }

  /**
   * Other users' verifications with the same NIK and verifications with the same primary contact,
   * by blind index (idx_submissions_nik_hash, idx_submissions_contact_hash), newest first.
   */
  relatedVerifications(
    id: string,
    nikHash: string | null,
    contactHash: string | null,
    limit: number,
  ): Promise<RelatedVerificationRow[]> {
    return this.sql.query(
      `SELECT * FROM (
         (SELECT o.id, 'NIK' AS relation, o.user_id, o.user_id_type, o.status, o.result, o.created_at
          FROM submissions o, submissions me
          WHERE $2::bpchar IS NOT NULL AND o.nik_hash = $2::bpchar AND me.id = $1
            AND (o.user_id <> me.user_id OR o.user_id_type <> me.user_id_type)
          ORDER BY o.created_at DESC, o.id DESC LIMIT $4)
         UNION ALL
         (SELECT o.id, 'CONTACT', o.user_id, o.user_id_type, o.status, o.result, o.created_at
          FROM submissions o
          WHERE $3::bpchar IS NOT NULL AND o.contact_hash = $3::bpchar AND o.id <> $1
          ORDER BY o.created_at DESC, o.id DESC LIMIT $4)
       ) r ORDER BY created_at DESC, id DESC LIMIT $4`,
      [id, nikHash, contactHash, limit],
    );
  }

  /**
   * The audit log, newest first, on idx_audit_created / idx_audit_action_created /
   * idx_audit_submission_created (one per filter; with both filters PostgreSQL picks one).
   */
  listAuditLog(
    filters: AuditLogFilters,
    after: KeysetPosition | null,
    limit: number,
  ): Promise<AuditLogRow[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filters.action) {
      params.push(filters.action);
      where.push(`action = $${params.length}`);
    }
    if (filters.submissionId) {
      params.push(filters.submissionId);
      where.push(`submission_id = $${params.length}::uuid`);
    }
    if (after) {
      params.push(after.at, after.id);
      where.push(`(created_at, id) < ($${params.length - 1}::timestamptz, $${params.length}::bigint)`);
    }
    params.push(limit);
    return this.sql.query(
      `SELECT id, actor_kind, admin_key_id, action, submission_id, detail, created_at,
              ${SORT_AT('created_at')} AS sort_at
       FROM admin_audit_log
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY created_at DESC, id DESC
       LIMIT $${params.length}`,
      params,
    );
  }
}
