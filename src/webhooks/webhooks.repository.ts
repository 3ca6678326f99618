// Partner webhooks: the SQL of endpoints, events and deliveries. Deliveries are work rows
// (claimed with SKIP LOCKED under a lease in locked_until, fenced by their attempt number) and
// the delivery log at once. Verification events are written by the store's follow-up
// (webhook-outbox.ts), never here; this file only adds test events and replays.
import { Injectable } from '@nestjs/common';
import type { KeysetPosition } from '../admin/admin-cursor.js';
import { Sql } from '../database/sql.js';
import { TEST_EVENT_TYPE } from './webhook-outbox.js';
import { DISABLE_AFTER_FAILING_DAYS } from './webhook-retry.js';

export type DeliveryStatus = 'PENDING' | 'SUCCEEDED' | 'FAILED';

export interface EndpointRow {
  id: string;
  url: string;
  description: string | null;
  events: string[];
  enabled: boolean;
  secret_enc: string;
  previous_secret_enc: string | null;
  previous_secret_until: Date | null;
  failing_since: Date | null;
  last_success_at: Date | null;
  disabled_reason: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface ClaimedDelivery {
  id: string;
  attempts: number;
  retry_from: number;
  event_id: string;
  event_type: string;
  /** The body, byte for byte as stored when the event was written (the same on every retry). */
  payload: string;
  endpoint_id: string;
  url: string;
  secret_enc: string;
  /** The previous secret while it still signs (24 h after a rotation), else null. */
  previous_secret_enc: string | null;
}

export interface DeliveryRow {
  id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  submission_id: string | null;
  status: DeliveryStatus;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  next_attempt_at: Date | null;
  last_attempt_at: Date | null;
  delivered_at: Date | null;
  created_at: Date;
  sort_at: string;
}

export interface DeliveryFilters {
  endpointId?: string;
  status?: DeliveryStatus;
  verificationId?: string;
}

export interface AttemptRecord {
  id: string;
  attempts: number;
  succeeded: boolean;
  /** When not succeeded: the next attempt's delay, or null to give up (FAILED). */
  retryInSeconds: number | null;
  statusCode: number | null;
  error: string | null;
  response: string | null;
}

const ENDPOINT_COLUMNS = `id, url, description, events, enabled, secret_enc, previous_secret_enc, previous_secret_until,
  failing_since, last_success_at, disabled_reason, created_at, updated_at`;
const DELIVERY_COLUMNS = `id, endpoint_id, event_id, event_type, submission_id, status, attempts, last_status_code,
  last_error, next_attempt_at, last_attempt_at, delivered_at, created_at,
  to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS sort_at`;

@Injectable()
export class WebhooksRepository {
  constructor(private readonly sql: Sql) {}

  // --- endpoints -------------------------------------------------------------------------------

  async createEndpoint(e: {
    url: string;
    description: string | null;
    events: string[];
    secretEnc: string;
  }): Promise<EndpointRow> {
    const rows = await this.sql.query<EndpointRow>(
      `INSERT INTO webhook_endpoints (url, description, events, secret_enc) VALUES ($1, $2, $3, $4)
       RETURNING ${ENDPOINT_COLUMNS}`,
      [e.url, e.description, e.events, e.secretEnc],
    );
    return rows[0];
  }

  /**
   * WEBHOOK_URL at start: creates the endpoint unless one with this URL exists. The advisory
   * lock keeps instances starting together from creating it twice.
   */
  async ensureEndpoint(url: string, secretEnc: string): Promise<boolean> {
    return this.sql.transaction(async (tx) => {
      await this.sql.query(`SELECT pg_advisory_xact_lock(hashtext('webhook_endpoints:initial'))`, [], { tx });
      const rows = await this.sql.query(
        `INSERT INTO webhook_endpoints (url, description, secret_enc)
         SELECT $1, 'from WEBHOOK_URL', $2 WHERE NOT EXISTS (SELECT 1 FROM webhook_endpoints WHERE url = $1)
         RETURNING id`,
        [url, secretEnc],
        { tx },
      );
      return rows.length > 0;
    });
  }

  listEndpoints(): Promise<EndpointRow[]> {
    return this.sql.query<EndpointRow>(
      `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints ORDER BY created_at DESC, id DESC`,
    );
  }

  async findEndpoint(id: string): Promise<EndpointRow | null> {
    const rows = await this.sql.query<EndpointRow>(
      `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }

  /** Re-enabling clears the failure streak, so an endpoint is not disabled again at once. */
  async updateEndpoint(
    id: string,
    patch: { url?: string; events?: string[]; enabled?: boolean; description?: string | null },
  ): Promise<EndpointRow | null> {
    const rows = await this.sql.query<EndpointRow>(
      `UPDATE webhook_endpoints SET
         url = COALESCE($2, url),
         events = COALESCE($3, events),
         enabled = COALESCE($4, enabled),
         description = CASE WHEN $5 THEN $6 ELSE description END,
         failing_since = CASE WHEN $4 IS TRUE AND NOT enabled THEN NULL ELSE failing_since END,
         disabled_reason = CASE WHEN $4 IS NULL THEN disabled_reason WHEN $4 THEN NULL ELSE 'disabled by an operator' END,
         updated_at = now()
       WHERE id = $1
       RETURNING ${ENDPOINT_COLUMNS}`,
      [
        id,
        patch.url ?? null,
        patch.events ?? null,
        patch.enabled ?? null,
        patch.description !== undefined,
        patch.description ?? null,
      ],
    );
    return rows[0] ?? null;
  }

  async deleteEndpoint(id: string): Promise<boolean> {
    const rows = await this.sql.query(`DELETE FROM webhook_endpoints WHERE id = $1 RETURNING id`, [id]);
    return rows.length > 0;
  }

  /** The current secret becomes the previous one, signing alongside the new one for `graceHours`. */
  async rotateSecret(id: string, secretEnc: string, graceHours: number): Promise<EndpointRow | null> {
    const rows = await this.sql.query<EndpointRow>(
      `UPDATE webhook_endpoints SET previous_secret_enc = secret_enc, secret_enc = $2,
         previous_secret_until = now() + make_interval(hours => $3), updated_at = now()
       WHERE id = $1
       RETURNING ${ENDPOINT_COLUMNS}`,
      [id, secretEnc, graceHours],
    );
    return rows[0] ?? null;
  }

  // --- events ----------------------------------------------------------------------------------

  /** A `webhook.test` event for one endpoint and its delivery, in one statement. */
  async enqueueTest(endpointId: string): Promise<DeliveryRow | null> {
    const rows = await this.sql.query<DeliveryRow>(
      `WITH ep AS (SELECT id FROM webhook_endpoints WHERE id = $1),
       ev AS (
         INSERT INTO webhook_events (id, type, submission_id, payload, created_at)
         SELECT x.id, '${TEST_EVENT_TYPE}', NULL,
           json_build_object('id', x.id, 'type', '${TEST_EVENT_TYPE}',
             'createdAt', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
             'data', json_build_object('endpointId', ep.id, 'message', 'A test event: your endpoint is reachable and verifies our signature.')),
           now()
         FROM ep CROSS JOIN (SELECT gen_random_uuid() AS id) x
         RETURNING id, type
       )
       INSERT INTO webhook_deliveries (endpoint_id, event_id, event_type, next_attempt_at)
       SELECT $1, ev.id, ev.type, now() FROM ev
       RETURNING ${DELIVERY_COLUMNS}`,
      [endpointId],
    );
    return rows[0] ?? null;
  }

  /**
   * Re-sends the verification events of [since, until) the endpoint subscribes to: a new
   * delivery where there was none, and a delivery that exists starts its retry schedule again
   * (due now), unless an attempt is in flight. Answers how many deliveries are due.
   */
  async replay(endpointId: string, since: string, until: string | null): Promise<number> {
    const rows = await this.sql.query<{ n: number }>(
      `WITH ep AS (SELECT id, events FROM webhook_endpoints WHERE id = $1),
       evs AS (
         SELECT e.id, e.type, e.submission_id FROM webhook_events e, ep
         WHERE e.created_at >= $2::timestamptz AND ($3::timestamptz IS NULL OR e.created_at < $3::timestamptz)
           AND e.type <> '${TEST_EVENT_TYPE}'
           AND (cardinality(ep.events) = 0 OR e.type = ANY (ep.events))
       ), up AS (
         INSERT INTO webhook_deliveries AS d (endpoint_id, event_id, event_type, submission_id, next_attempt_at)
         SELECT $1, evs.id, evs.type, evs.submission_id, now() FROM evs
         ON CONFLICT (endpoint_id, event_id) DO UPDATE
           SET status = 'PENDING', next_attempt_at = now(), retry_from = d.attempts
           WHERE d.locked_until IS NULL OR d.locked_until < now()
         RETURNING 1
       )
       SELECT count(*)::int AS n FROM up`,
      [endpointId, since, until],
    );
    return rows[0].n;
  }

  // --- deliveries ------------------------------------------------------------------------------

  /**
   * One statement: locks due deliveries of enabled endpoints (a test event goes to a disabled
   * one too: operators test before re-enabling), skipping rows another instance holds, counts
   * the attempt and leases the row for `leaseSeconds`. The attempt number fences the outcome:
   * only the holder of the latest attempt can record one.
   */
  async claimDue(limit: number, leaseSeconds: number): Promise<ClaimedDelivery[]> {
    return this.sql.query<ClaimedDelivery>(
      `WITH due AS (
         SELECT d.id FROM webhook_deliveries d
         JOIN webhook_endpoints ep ON ep.id = d.endpoint_id
         WHERE d.status = 'PENDING' AND d.next_attempt_at <= now()
           AND (d.locked_until IS NULL OR d.locked_until < now())
           AND (ep.enabled OR d.event_type = '${TEST_EVENT_TYPE}')
         ORDER BY d.next_attempt_at
         LIMIT $1
         FOR UPDATE OF d SKIP LOCKED
       ), claimed AS (
         UPDATE webhook_deliveries d
         SET locked_until = now() + make_interval(secs => $2), attempts = d.attempts + 1, last_attempt_at = now()
         FROM due WHERE d.id = due.id
         RETURNING d.id, d.attempts, d.retry_from, d.event_id, d.event_type, d.endpoint_id
       )
       SELECT c.id, c.attempts, c.retry_from, c.event_id, c.event_type, c.endpoint_id, e.payload::text AS payload,
              ep.url, ep.secret_enc,
              CASE WHEN ep.previous_secret_until > now() THEN ep.previous_secret_enc END AS previous_secret_enc
       FROM claimed c
       JOIN webhook_events e ON e.id = c.event_id
       JOIN webhook_endpoints ep ON ep.id = c.endpoint_id`,
      [limit, leaseSeconds],
      { name: 'webhooks_claim_due' },
    );
  }

  /**
   * The outcome of one attempt, and the endpoint's health in the same statement: a success ends
   * its failure streak; a failure starts one, and an endpoint whose streak is older than
   * DISABLE_AFTER_FAILING_DAYS is disabled. Answers whether the outcome was recorded (the
   * attempt still held the row) and whether this attempt disabled the endpoint.
   */
  async recordAttempt(r: AttemptRecord): Promise<{ recorded: boolean; disabledEndpointId: string | null }> {
    const status: DeliveryStatus = r.succeeded
      ? 'SUCCEEDED'
      : r.retryInSeconds === null
        ? 'FAILED'
        : 'PENDING';
    const rows = await this.sql.query<{ recorded: boolean; disabled_endpoint_id: string | null }>(
      `WITH d AS (
         UPDATE webhook_deliveries SET
           status = $3::varchar, locked_until = NULL,
           next_attempt_at = CASE WHEN $3::varchar = 'PENDING' THEN now() + make_interval(secs => $4) END,
           delivered_at = CASE WHEN $3::varchar = 'SUCCEEDED' THEN now() ELSE delivered_at END,
           last_status_code = $5, last_error = $6, last_response = $7
         WHERE id = $1 AND attempts = $2
         RETURNING endpoint_id
       ), old AS (
         SELECT ep.id, ep.enabled, ep.failing_since FROM webhook_endpoints ep JOIN d ON ep.id = d.endpoint_id
       ), ep AS (
         UPDATE webhook_endpoints ep SET
           last_success_at = CASE WHEN $8 THEN now() ELSE ep.last_success_at END,
           failing_since = CASE WHEN $8 THEN NULL ELSE COALESCE(ep.failing_since, now()) END,
           enabled = CASE WHEN NOT $8 AND ep.failing_since < now() - make_interval(days => $9) THEN false ELSE ep.enabled END,
           disabled_reason = CASE WHEN NOT $8 AND ep.enabled AND ep.failing_since < now() - make_interval(days => $9)
             THEN 'no successful delivery for ${DISABLE_AFTER_FAILING_DAYS} days' ELSE ep.disabled_reason END
         FROM old
         WHERE ep.id = old.id AND (
           CASE WHEN $8 THEN old.failing_since IS NOT NULL OR ep.last_success_at IS NULL
                  OR ep.last_success_at < now() - interval '1 minute'
                ELSE old.failing_since IS NULL OR (old.enabled AND old.failing_since < now() - make_interval(days => $9))
           END)
         RETURNING ep.id, (old.enabled AND NOT ep.enabled) AS just_disabled
       )
       SELECT EXISTS (SELECT 1 FROM d) AS recorded,
              (SELECT id FROM ep WHERE just_disabled LIMIT 1) AS disabled_endpoint_id`,
      [
        r.id,
        r.attempts,
        status,
        r.retryInSeconds ?? 0,
        r.statusCode,
        r.error,
        r.response,
        r.succeeded,
        DISABLE_AFTER_FAILING_DAYS,
      ],
      { name: 'webhooks_record_attempt' },
    );
    return { recorded: rows[0].recorded, disabledEndpointId: rows[0].disabled_endpoint_id };
  }

  /**
   * An operator's "send it again now": due at once with a fresh retry schedule. Null when there is
   * no such delivery; 'in-flight' while an attempt holds it.
   */
  async retryNow(id: string): Promise<DeliveryRow | 'in-flight' | null> {
    const rows = await this.sql.query<DeliveryRow>(
      `UPDATE webhook_deliveries d SET status = 'PENDING', next_attempt_at = now(), retry_from = d.attempts
       WHERE id = $1 AND (locked_until IS NULL OR locked_until < now())
       RETURNING ${DELIVERY_COLUMNS}`,
      [id],
    );
    if (rows[0]) return rows[0];
    return (await this.findDelivery(id)) ? 'in-flight' : null;
  }

  async findDelivery(id: string): Promise<DeliveryRow | null> {
    const rows = await this.sql.query<DeliveryRow>(
      `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }

  /** Newest first, keyset-paginated on (created_at, id) like the other admin lists. */
  listDeliveries(
    filters: DeliveryFilters,
    after: KeysetPosition | null,
    limit: number,
  ): Promise<DeliveryRow[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (clause: (p: string) => string, value: unknown) => {
      params.push(value);
      where.push(clause(`$${params.length}`));
    };
    if (filters.endpointId) add((p) => `endpoint_id = ${p}::uuid`, filters.endpointId);
    if (filters.verificationId) add((p) => `submission_id = ${p}::uuid`, filters.verificationId);
    if (filters.status) add((p) => `status = ${p}`, filters.status);
    if (after) {
      params.push(after.at, after.id);
      where.push(`(created_at, id) < ($${params.length - 1}::timestamptz, $${params.length}::bigint)`);
    }
    params.push(limit);
    return this.sql.query<DeliveryRow>(
      `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY created_at DESC, id DESC
       LIMIT $${params.length}`,
      params,
    );
  }

  /** Queue depth and the age of the oldest pending delivery of an enabled endpoint (the alert). */
  async pendingSummary(): Promise<{ pending: number; oldestAgeSeconds: number }> {
    const rows = await this.sql.query<{ pending: number; oldest_age: number | null }>(
      `SELECT count(*)::int AS pending, EXTRACT(EPOCH FROM now() - min(d.created_at))::float8 AS oldest_age
       FROM webhook_deliveries d JOIN webhook_endpoints ep ON ep.id = d.endpoint_id AND ep.enabled
       WHERE d.status = 'PENDING'`,
    );
    return { pending: rows[0].pending, oldestAgeSeconds: Math.max(0, rows[0].oldest_age ?? 0) };
  }
}
