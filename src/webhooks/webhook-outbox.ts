// Partner webhooks: the outbox, as SQL the submission store runs inside the very statement that
// changes a verification (its registered follow-up). One event per change that partners hear
// about, its body frozen at that moment, and one delivery per enabled endpoint subscribed to
// its type. Nothing here runs on its own: no event exists unless its change committed.
import type { ChangeFollowUp } from '../submissions/submissions.repository.js';

/** Every type an endpoint can subscribe to (`events` empty = all of them). */
export const VERIFICATION_EVENT_TYPES = [
  'verification.created',
  'verification.updated',
  'verification.completed',
  'verification.failed',
  'verification.expired',
  'verification.redacted',
] as const;
export const TEST_EVENT_TYPE = 'webhook.test';
export const WEBHOOK_EVENT_TYPES = [...VERIFICATION_EVENT_TYPES, TEST_EVENT_TYPE] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** A timestamptz as JavaScript's toISOString() writes it (UTC, milliseconds truncated alike). */
export const isoSql = (expr: string) =>
  `to_char(${expr} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * The verification exactly as `GET /v1/verifications/:id` answers it, built from a row of
 * `submissions` columns (alias `s`). No personal data: no KTP data, contacts or image URLs.
 * The webhook tests compare this with the API's own answer field by field.
 */
export function verificationJsonSql(s: string): string {
  return `json_build_object(
    'id', ${s}.id, 'userId', ${s}.user_id, 'userIdType', ${s}.user_id_type, 'source', ${s}.source,
    'status', ${s}.status, 'result', ${s}.result, 'reasonCode', ${s}.reason_code,
    'verificationResult', ${s}.verification_result, 'warnings', to_json(COALESCE(${s}.warnings, '{}')), 'version', ${s}.version,
    'createdAt', ${isoSql(`${s}.created_at`)}, 'updatedAt', ${isoSql(`${s}.updated_at`)},
    'completedAt', ${isoSql(`${s}.completed_at`)})`;
}

/** Deliveries for each new event (CTE `events` with id, type, submission_id): enabled, subscribed endpoints. */
export function deliveriesForEventsSql(events: string): string {
  return `INSERT INTO webhook_deliveries (endpoint_id, event_id, event_type, submission_id, next_attempt_at)
    SELECT ep.id, ev.id, ev.type, ev.submission_id, now()
    FROM ${events} ev
    JOIN webhook_endpoints ep ON ep.enabled AND (cardinality(ep.events) = 0 OR ev.type = ANY (ep.events))`;
}

/**
 * The follow-up's CTEs (no bind parameters; reads `changed`, one row per changed submission
 * with its `change_kind`, NULL for bookkeeping nobody outside needs to hear about).
 */
export const OUTBOX_CTES = `wh_events AS (
    INSERT INTO webhook_events (id, type, submission_id, payload, created_at)
    SELECT x.id, x.type, c.id,
      json_build_object('id', x.id, 'type', x.type, 'createdAt', ${isoSql('now()')},
        'data', json_build_object('verification', ${verificationJsonSql('c')})),
      now()
    FROM changed c
    CROSS JOIN LATERAL (SELECT gen_random_uuid() AS id, 'verification.' || c.change_kind AS type) x
    WHERE c.change_kind IS NOT NULL
    RETURNING id, type, submission_id
  ), wh_deliveries AS (
    ${deliveriesForEventsSql('wh_events')}
    RETURNING 1
  )`;

export const OUTBOX_FOLLOW_UP: ChangeFollowUp = { name: 'webhooks', ctes: OUTBOX_CTES };
