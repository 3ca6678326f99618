// The submission store: the only writer of the `submissions` table. Every change of a
// verification (created at initiation, the token issued, a status or facts applied, expiry,
// redaction) is decided by `decideTransition` and written as ONE statement with its timeline
// event(s) and every registered follow-up (e.g. a webhook outbox row), so they commit together.
import { Injectable, Optional } from '@nestjs/common';
import { Sql, Tx } from '../database/sql.js';
import { AppConfig } from '../config/app-config.js';
import {
  CONTACT_REASON_CODES,
  CONTACT_WARNING,
  IdentityWarning,
  IdentityWarningMetrics,
  NIK_WARNING,
} from './identity-warnings.js';
import { PiiCipher } from './pii/pii-cipher.js';
import { maskedContacts, maskedIdentity } from './pii/masking.js';
import { SubmissionEventEntity } from './submission-event.entity.js';
import {
  EventSource,
  EventType,
  isTerminal,
  SubmissionResult,
  SubmissionStatus,
} from './submission-status.js';
import { PENDING_SQL } from './submission-sql.js';
import {
  changeKindOf,
  ConflictReason,
  decideTransition,
  TransitionOutcome,
} from './submission-transition.js';
import { SubmissionEntity } from './submission.entity.js';

export interface Contacts {
  phoneNumber?: string;
  email?: string;
}

export interface NewSubmission {
  id: string;
  userId: string;
  userIdType: string;
  /** The verified contact(s) sent to the provider; stored encrypted, blind-indexed on the primary. */
  contacts: Contacts;
  source: 'SDK' | 'WEB_SDK';
  userLocale: string;
}

export interface EventInput {
  type: EventType;
  source: EventSource;
  /** Raw provider payload: stored encrypted (it may hold KTP data). */
  payload?: unknown;
  /** Non-personal context (codes, causes, timings): stored as jsonb in clear. */
  detail?: Record<string, unknown>;
  dedupeKey?: string;
}

/**
 * What was observed about a submission: a callback, a poll answer, an expiry, a failed
 * initiation, or the provider issuing the SDK token (`tokenIssued`, status INITIATED).
 */
export interface TransitionInput {
  status: SubmissionStatus;
  result?: SubmissionResult | null;
  reasonCode?: string | null;
  providerSubmissionId?: string | null;
  verificationResult?: Record<string, unknown> | null;
  certificateRegistration?: Record<string, unknown> | null;
  ktpData?: Record<string, unknown> | null;
  imageUrls?: Record<string, unknown> | null;
  initiationError?: Record<string, unknown> | null;
  tokenIssued?: { sdkExpiresAt: Date | null };
  /**
   * Set for provider results (callbacks, poll answers): whom the result names. One that names
   * another user, or nobody, is a conflict and never applied (see decideTransition).
   */
  reportedUser?: { userId: string | null; userIdType: string | null };
  /** The provider's `processedAt`, when it sent a readable one. */
  providerProcessedAt?: Date | null;
  event: EventInput;
}

export interface TransitionResult {
  outcome: TransitionOutcome | 'not_found';
  /** True when the row changed (status or newly learned facts). */
  changed: boolean;
  previousStatus?: SubmissionStatus;
  status?: SubmissionStatus;
  /** Why the outcome is `conflict` (another user's result, none named, another terminal story). */
  conflictReason?: ConflictReason;
  /** Identity warnings this change added to the row (see IDENTITY_WARNINGS). */
  warningsAdded?: IdentityWarning[];
  /** Other users' verifications that got NIK_USED_BY_OTHER_USER from this change. */
  othersWarned?: number;
}

/**
 * Something another room writes in the same statement as every change of a submission. `ctes`
 * is SQL text of one or more CTE definitions (`wh_outbox AS (INSERT ... SELECT ... FROM changed
 * WHERE change_kind IS NOT NULL)`) with no bind parameters, names prefixed by the room. They
 * read `changed`: one row per submission the statement changed, every column of `submissions`
 * after the change plus `change_kind` (see ChangeKind; NULL for bookkeeping), `previous_status`
 * (NULL at creation) and `image_urls_learned`. A follow-up never updates `submissions`.
 */
export interface ChangeFollowUp {
  name: string;
  ctes: string;
}

/** Which rows `redact` erases. */
export type RedactionTarget =
  /** Up to `limit` finished rows past `retentionDays`, not yet processed (skips locked rows). */
  | { finishedDaysAgo: number; limit: number }
  /** These rows, whatever their state (waits for their locks). */
  | { ids: string[] };

export interface RedactedRow {
  id: string;
  ktpData: boolean;
  imageUrls: boolean;
  nikHash: boolean;
  eventPayloads: number;
}

/** What the optimistic read of applyTransition sees (or a statement that just wrote the row). */
export interface CurrentRow {
  status: SubmissionStatus;
  result: SubmissionResult | null;
  initiated_at: Date | null;
  has_conflict: boolean;
  version: number;
  user_id: string;
  user_id_type: string;
}

/**
 * A lost race (another writer changed the row between our read and our conditional write) is
 * retried with a fresh read. Every loss means someone else's change committed, so N concurrent
 * writers finish in at most N rounds; the cap only stops a runaway.
 */
const MAX_ATTEMPTS = 50;

/** The columns of a submission as SubmissionEntity properties. */
const SUBMISSION_SELECT = `id, user_id AS "userId", user_id_type AS "userIdType", contact_type AS "contactType",
  contact_enc AS "contactEnc", contact_hash AS "contactHash", source, user_locale AS "userLocale", status, result,
  reason_code AS "reasonCode", provider_submission_id AS "providerSubmissionId", initiated_at AS "initiatedAt",
  sdk_expires_at AS "sdkExpiresAt", initiation_error AS "initiationError", verification_result AS "verificationResult",
  certificate_registration AS "certificateRegistration", ktp_enc AS "ktpEnc", nik_hash AS "nikHash",
  image_urls_enc AS "imageUrlsEnc", image_urls_received_at AS "imageUrlsReceivedAt", pii_redacted_at AS "piiRedactedAt", pii_masked AS "piiMasked",
  has_conflict AS "hasConflict", provider_processed_at AS "providerProcessedAt", created_at AS "createdAt",
  updated_at AS "updatedAt", completed_at AS "completedAt",
  last_polled_at AS "lastPolledAt", next_poll_at AS "nextPollAt", poll_attempts AS "pollAttempts", version,
  warnings`;

const EVENT_SELECT = `id, submission_id AS "submissionId", type, source, from_status AS "fromStatus",
  to_status AS "toStatus", status, result, provider_submission_id AS "providerSubmissionId", dedupe_key AS "dedupeKey",
  duplicate, stale, conflict, detail, payload_enc AS "payloadEnc", created_at AS "createdAt"`;

/** The columns every observation event fills, $1..$12 in every statement that writes one. */
const OBSERVATION_COLUMNS = `submission_id, type, source, status, result, provider_submission_id, dedupe_key,
  duplicate, stale, conflict, detail, payload_enc`;

@Injectable()
export class SubmissionsRepository {
  private readonly followUps: ChangeFollowUp[] = [];
  /** Statement texts, built on first use with the follow-ups registered by then. */
  private readonly texts = new Map<string, string>();

  constructor(
    private readonly sql: Sql,
    private readonly pii: PiiCipher,
    private readonly config: AppConfig,
    @Optional() private readonly warningMetrics?: IdentityWarningMetrics,
  ) {}

  /**
   * Adds `f` to every statement that changes a submission. Call it from a module's
   * `onModuleInit`: statement texts are fixed on first use (they are named prepared statements),
   * and registering after that throws.
   */
  registerFollowUp(f: ChangeFollowUp): void {
    if (this.texts.size > 0) {
      throw new Error(`follow-up ${f.name} registered after the store's statements were built`);
    }
    if (this.followUps.some((g) => g.name === f.name))
      throw new Error(`follow-up ${f.name} registered twice`);
    if (/\$\d/.test(f.ctes)) throw new Error(`follow-up ${f.name} must not use bind parameters`);
    if (/\bUPDATE\s+submissions\b/i.test(f.ctes)) {
      throw new Error(`follow-up ${f.name} must not update submissions (the store is its only writer)`);
    }
    this.followUps.push(f);
  }

  /** The text of statement `name`: built once by `build` with the follow-up CTEs, then frozen. */
  private text(name: string, build: (followUps: string) => string): string {
    let text = this.texts.get(name);
    if (text === undefined) {
      text = build(this.followUps.map((f) => `,\n/* ${f.name} */ ${f.ctes}`).join(''));
      this.texts.set(name, text);
    }
    return text;
  }

  /**
   * Writes the row (status INITIATED, initiated_at null) and its INITIATION_REQUESTED event in one
   * statement, before the provider is called: a crash after this leaves a row that
   * reconciliation settles. `next_poll_at` makes it due for that check. A change of kind
   * `created`. Answers only what the caller needs: the row's state as written, which the next
   * transition of this request starts from instead of reading it again.
   */
  async createForInitiation(s: NewSubmission): Promise<{ id: string; createdAt: Date; state: CurrentRow }> {
    // The phone, when given, is the primary contact; both are kept (encrypted) when both are given.
    const contactType = s.contacts.phoneNumber ? 'PHONE' : 'EMAIL';
    const primary = s.contacts.phoneNumber ?? s.contacts.email;
    if (!primary) throw new Error('a submission needs a phone number or an email');
    const contactEnc = this.pii.encryptJson(s.contacts);
    const contactHash = this.pii.blindIndex(contactType === 'PHONE' ? 'phone' : 'email', primary);
    const text = this.text(
      'create',
      (followUps) => `WITH store_row AS (
         INSERT INTO submissions (id, user_id, user_id_type, contact_type, contact_enc, contact_hash, source, user_locale,
                                  status, next_poll_at, pii_masked)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'INITIATED', now() + make_interval(secs => $9), $11::jsonb)
         RETURNING *
       ), changed AS (
         SELECT store_row.*, 'created'::text AS change_kind, NULL::text AS previous_status,
                false AS image_urls_learned
         FROM store_row
       ), store_events AS (
         INSERT INTO submission_events (submission_id, type, source, to_status, detail)
         SELECT id, 'INITIATION_REQUESTED', 'api', 'INITIATED', $10::jsonb FROM changed
       )${followUps}
       SELECT created_at, status, result, initiated_at, has_conflict, version, user_id, user_id_type
       FROM changed`,
    );
    const rows = await this.sql.query<CurrentRow & { created_at: Date }>(
      text,
      [
        s.id,
        s.userId,
        s.userIdType,
        contactType,
        contactEnc,
        contactHash,
        s.source,
        s.userLocale,
        this.config.reconcile.afterSeconds,
        JSON.stringify({ source: s.source, userLocale: s.userLocale, contactType }),
        JSON.stringify(maskedContacts(s.contacts)),
      ],
      { name: 'submissions_create' },
    );
    const { created_at: createdAt, ...state } = rows[0];
    return { id: s.id, createdAt, state };
  }

  /**
   * The provider issued the SDK token: the submission now waits for the user (status stays
   * INITIATED). An observation like any other, decided by the transition function.
   */
  markInitiated(
    id: string,
    sdkExpiresAt: Date | null,
    detail: Record<string, unknown> = {},
    assumed?: CurrentRow,
  ): Promise<TransitionResult> {
    return this.applyTransition(
      id,
      {
        status: 'INITIATED',
        tokenIssued: { sdkExpiresAt },
        event: { type: 'INITIATED', source: 'api', detail },
      },
      { assumed },
    );
  }

  /**
   * THE transition function. Reads the row without locking it, decides with `decideTransition`,
   * then writes with ONE statement conditional on the version it read: the row, its event(s) and
   * every follow-up when something changes; only the event when nothing does (duplicate, stale).
   * A lost race (0 rows: another writer got there first) is decided again on a fresh read, so a
   * change takes effect exactly once however many deliveries race. With `tx`, runs inside the
   * caller's transaction (e.g. on rows it locked). With `assumed` (the row as this request just
   * wrote it), the first attempt skips the read: if the row moved since, the write misses and the
   * next attempt reads it like any lost race.
   */
  async applyTransition(
    id: string,
    input: TransitionInput,
    opts: { tx?: Tx; assumed?: CurrentRow } = {},
  ): Promise<TransitionResult> {
    const payloadEnc = input.event.payload === undefined ? null : this.pii.encryptJson(input.event.payload);
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const rows =
        attempt === 1 && opts.assumed
          ? [opts.assumed]
          : await this.sql.query<CurrentRow>(
              `SELECT status, result, initiated_at, has_conflict, version, user_id, user_id_type
               FROM submissions WHERE id = $1`,
              [id],
              { name: 'submissions_read', tx: opts.tx },
            );
      if (rows.length === 0) return { outcome: 'not_found', changed: false };
      const written = await this.writeDecision(id, input, payloadEnc, rows[0], opts.tx);
      if (written) return written;
    }
    throw new Error(`submission ${id}: lost the write race ${MAX_ATTEMPTS} times`);
  }

  /** One conditional write of what `current` plus `input` decide; null when the version moved. */
  private async writeDecision(
    id: string,
    input: TransitionInput,
    payloadEnc: string | null,
    current: CurrentRow,
    tx: Tx | undefined,
  ): Promise<TransitionResult | null> {
    const observation = {
      status: input.status,
      result: input.result ?? null,
      tokenIssued: input.tokenIssued !== undefined,
      reportedUser: input.reportedUser,
    };
    const decision = decideTransition(
      {
        status: current.status,
        result: current.result,
        initiatedAt: current.initiated_at,
        userId: current.user_id,
        userIdType: current.user_id_type,
      },
      observation,
    );
    const newStatus = decision.changesStatus ? input.status : current.status;
    const ev = input.event;
    // What operators read on the timeline: why a result was flagged or held back (no data).
    const detail =
      decision.conflictReason || decision.outcome === 'incomplete'
        ? {
            ...ev.detail,
            ...(decision.conflictReason ? { conflict: decision.conflictReason } : {}),
            ...(decision.outcome === 'incomplete' ? { incomplete: 'COMPLETED without a result' } : {}),
          }
        : ev.detail;
    const eventParams: unknown[] = [
      id, // $1
      ev.type,
      ev.source,
      input.status,
      input.result ?? null, // $5
      input.providerSubmissionId ?? null,
      ev.dedupeKey ?? null,
      decision.outcome === 'duplicate',
      decision.outcome === 'stale',
      decision.outcome === 'conflict', // $10
      detail ? JSON.stringify(detail) : null,
      payloadEnc, // $12
    ];
    const result: TransitionResult = {
      outcome: decision.outcome,
      changed: decision.outcome === 'applied',
      previousStatus: current.status,
      status: newStatus,
      ...(decision.conflictReason ? { conflictReason: decision.conflictReason } : {}),
    };

    // Nothing changes (a duplicate, a stale status, a conflict already flagged): only the event,
    // still conditional on the version so its flags describe the row as it was at the commit.
    if (
      decision.outcome !== 'applied' &&
      decision.outcome !== 'incomplete' &&
      !(decision.outcome === 'conflict' && !current.has_conflict)
    ) {
      const rows = await this.sql.query(
        `INSERT INTO submission_events (${OBSERVATION_COLUMNS})
         SELECT s.id, $2::varchar, $3::varchar, $4::varchar, $5::varchar, $6::varchar, $7::varchar, $8::boolean,
                $9::boolean, $10::boolean, $11::jsonb, CASE WHEN s.pii_redacted_at IS NULL THEN $12::text END
         FROM submissions s WHERE s.id = $1 AND s.version = $13
         RETURNING id`,
        [...eventParams, current.version],
        { name: 'submissions_observe', tx },
      );
      return rows.length > 0 ? result : null;
    }

    // A change: the facts of an applied observation, or only the conflict flag, or (incomplete)
    // only an earlier poll.
    const applied = decision.outcome === 'applied';
    const facts = applied ? input : ({} as Partial<TransitionInput>);
    const ktp = facts.ktpData ?? null;
    const nik = ktp && typeof ktp.nik === 'string' ? ktp.nik : null;
    const params = [
      ...eventParams,
      current.status, // $13
      newStatus,
      decision.changesStatus, // $15
      facts.result ?? null,
      facts.reasonCode ?? null,
      facts.providerSubmissionId ?? null,
      facts.verificationResult ? JSON.stringify(facts.verificationResult) : null,
      facts.certificateRegistration ? JSON.stringify(facts.certificateRegistration) : null, // $20
      ktp ? this.pii.encryptJson(ktp) : null,
      nik ? this.pii.blindIndex('nik', nik) : null,
      facts.imageUrls ? this.pii.encryptJson(facts.imageUrls) : null,
      facts.initiationError ? JSON.stringify(facts.initiationError) : null,
      isTerminal(newStatus), // $25
      applied && input.tokenIssued !== undefined,
      input.tokenIssued?.sdkExpiresAt ?? null,
      this.config.reconcile.afterSeconds,
      current.version,
      changeKindOf(observation, decision), // $30
      decision.outcome === 'incomplete',
      facts.providerProcessedAt ?? null, // $32
      ktp ? JSON.stringify(maskedIdentity(ktp)) : null,
    ];
    const rows = await this.sql.query<{ new_warnings: IdentityWarning[]; others_warned: number }>(
      this.text('apply', applyStatement),
      params,
      { name: 'submissions_apply', tx },
    );
    if (rows.length === 0) return null;
    const { new_warnings: warningsAdded, others_warned: othersWarned } = rows[0];
    if (warningsAdded.length > 0 || othersWarned > 0) {
      this.warningMetrics?.warned(warningsAdded, othersWarned);
    }
    return { ...result, warningsAdded, othersWarned };
  }

  /** Appends an event that changes nothing (e.g. a poll that found no submission yet). */
  async recordEvent(
    id: string,
    ev: EventInput & { status?: string | null },
    opts: { tx?: Tx } = {},
  ): Promise<void> {
    await this.sql.query(
      `INSERT INTO submission_events (submission_id, type, source, status, dedupe_key, detail, payload_enc)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7)`,
      this.eventParams(id, ev),
      { name: 'submissions_record_event', tx: opts.tx },
    );
  }

  private eventParams(id: string, ev: EventInput & { status?: string | null }): unknown[] {
    return [
      id,
      ev.type,
      ev.source,
      ev.status ?? null,
      ev.dedupeKey ?? null,
      ev.detail ? JSON.stringify(ev.detail) : null,
      ev.payload === undefined ? null : this.pii.encryptJson(ev.payload),
    ];
  }

  /** Appends an event when the submission exists; false (nothing written) when it does not. */
  async recordEventIfExists(id: string, ev: EventInput & { status?: string | null }): Promise<boolean> {
    const rows = await this.sql.query(
      `INSERT INTO submission_events (submission_id, type, source, status, dedupe_key, detail, payload_enc)
       SELECT s.id, $2, $3, $4, $5, $6::jsonb, $7 FROM submissions s WHERE s.id = $1
       RETURNING id`,
      this.eventParams(id, ev),
      { name: 'submissions_record_event_if_exists' },
    );
    return rows.length > 0;
  }

  /**
   * Erases the personal data of the target rows: KTP data, image URLs, the NIK blind index and the
   * encrypted raw payloads of their events; marks them redacted (pii_redacted_at). The outcome
   * (status, result, reason, verification result) and the timeline stay. One statement: the row,
   * a PII_REDACTED event (counts and flags, no data) where something was erased, and the
   * follow-ups (`change_kind` 'redacted', or NULL where nothing was left to erase).
   */
  async redact(
    target: RedactionTarget,
    event: { source: EventSource; detail?: Record<string, unknown> },
    opts: { tx?: Tx; contacts?: boolean } = {},
  ): Promise<RedactedRow[]> {
    const byIds = 'ids' in target;
    if (byIds && target.ids.length === 0) return [];
    const candidates = byIds
      ? `SELECT id, ktp_enc IS NOT NULL AS had_ktp, image_urls_enc IS NOT NULL AS had_images,
                nik_hash IS NOT NULL AS had_nik, contact_enc IS NOT NULL AS had_contacts
         FROM submissions WHERE id = ANY($1::uuid[])
         FOR UPDATE`
      : `SELECT id, ktp_enc IS NOT NULL AS had_ktp, image_urls_enc IS NOT NULL AS had_images,
                nik_hash IS NOT NULL AS had_nik, contact_enc IS NOT NULL AS had_contacts
         FROM submissions
         WHERE pii_redacted_at IS NULL AND completed_at IS NOT NULL
           AND completed_at < now() - make_interval(days => $1)
         ORDER BY completed_at
         LIMIT $2
         FOR UPDATE SKIP LOCKED`;
    const [source, detail, contacts] = byIds ? ['$2', '$3', '$4'] : ['$3', '$4', '$5'];
    const name = byIds ? 'redact_ids' : 'redact_due';
    const text = this.text(
      name,
      (followUps) => `WITH cand AS (${candidates}
       ), store_payloads AS (
         UPDATE submission_events e SET payload_enc = NULL
         FROM cand WHERE e.submission_id = cand.id AND e.payload_enc IS NOT NULL
         RETURNING e.submission_id
       ), erased AS (
         SELECT cand.*, (SELECT count(*) FROM store_payloads p WHERE p.submission_id = cand.id)::int AS payloads,
                (cand.had_ktp OR cand.had_images OR cand.had_nik OR (${contacts}::boolean AND cand.had_contacts)
                 OR EXISTS (SELECT 1 FROM store_payloads p WHERE p.submission_id = cand.id)) AS any_erased
         FROM cand
       ), store_row AS (
         UPDATE submissions s SET ktp_enc = NULL, image_urls_enc = NULL, nik_hash = NULL,
                contact_enc = CASE WHEN ${contacts}::boolean THEN NULL ELSE s.contact_enc END,
                contact_hash = CASE WHEN ${contacts}::boolean THEN NULL ELSE s.contact_hash END,
                pii_masked = CASE WHEN ${contacts}::boolean THEN NULL ELSE s.pii_masked - 'nik' - 'name' END,
                pii_redacted_at = COALESCE(s.pii_redacted_at, now()), version = s.version + 1
         FROM cand WHERE s.id = cand.id
         RETURNING s.*
       ), changed AS (
         SELECT store_row.*, CASE WHEN x.any_erased THEN 'redacted' END::text AS change_kind,
                store_row.status::text AS previous_status, false AS image_urls_learned
         FROM store_row JOIN erased x ON x.id = store_row.id
       ), store_events AS (
         INSERT INTO submission_events (submission_id, type, source, detail)
         SELECT x.id, 'PII_REDACTED', ${source}::varchar,
                COALESCE(${detail}::jsonb, '{}'::jsonb) || jsonb_build_object('ktpData', x.had_ktp,
                  'imageUrls', x.had_images, 'nikHash', x.had_nik, 'eventPayloads', x.payloads,
                  'contacts', ${contacts}::boolean AND x.had_contacts)
         FROM erased x JOIN changed c ON c.id = x.id
         WHERE x.any_erased
       )${followUps}
       SELECT id, had_ktp, had_images, had_nik, payloads FROM erased`,
    );
    const eventParams = [
      event.source,
      event.detail ? JSON.stringify(event.detail) : null,
      opts.contacts === true,
    ];
    const params = byIds
      ? [target.ids, ...eventParams]
      : [target.finishedDaysAgo, target.limit, ...eventParams];
    const rows = await this.sql.query<{
      id: string;
      had_ktp: boolean;
      had_images: boolean;
      had_nik: boolean;
      payloads: number;
    }>(text, params, { name: `submissions_${name}`, tx: opts.tx });
    return rows.map((r) => ({
      id: r.id,
      ktpData: r.had_ktp,
      imageUrls: r.had_images,
      nikHash: r.had_nik,
      eventPayloads: r.payloads,
    }));
  }

  /** One submission by id. */
  async findById(id: string): Promise<SubmissionEntity | null> {
    const rows = await this.sql.query<SubmissionEntity>(
      `SELECT ${SUBMISSION_SELECT} FROM submissions WHERE id = $1`,
      [id],
      { name: 'submissions_find_by_id' },
    );
    return rows[0] ?? null;
  }

  /** A user's submissions, newest first (bounded). */
  findByUser(userId: string, userIdType: string, limit = 100): Promise<SubmissionEntity[]> {
    return this.sql.query<SubmissionEntity>(
      `SELECT ${SUBMISSION_SELECT} FROM submissions
       WHERE user_id = $1 AND user_id_type = $2
       ORDER BY created_at DESC, id DESC
       LIMIT $3`,
      [userId, userIdType, limit],
      { name: 'submissions_find_by_user' },
    );
  }

  /** Every verification id of one user, oldest first (an erasure covers them all). */
  async idsOfUser(userId: string, userIdType: string, opts: { tx?: Tx } = {}): Promise<string[]> {
    const rows = await this.sql.query<{ id: string }>(
      `SELECT id FROM submissions WHERE user_id = $1 AND user_id_type = $2 ORDER BY created_at, id`,
      [userId, userIdType],
      { tx: opts.tx },
    );
    return rows.map((r) => r.id);
  }

  /** The event timeline, oldest first. */
  findEvents(id: string): Promise<SubmissionEventEntity[]> {
    return this.sql.query<SubmissionEventEntity>(
      `SELECT ${EVENT_SELECT} FROM submission_events WHERE submission_id = $1 ORDER BY id`,
      [id],
    );
  }

  /** Counts of not-yet-terminal submissions and the age of the oldest, for metrics and stats. */
  async pendingSummary(): Promise<{ pending: number; oldestPendingAgeSeconds: number | null }> {
    const rows = await this.sql.query<{ pending: string; oldest: string | null }>(
      `SELECT count(*) AS pending, EXTRACT(EPOCH FROM (now() - min(created_at))) AS oldest
       FROM submissions WHERE status IN ${PENDING_SQL}`,
    );
    return {
      pending: Number(rows[0].pending),
      oldestPendingAgeSeconds: rows[0].oldest === null ? null : Math.round(Number(rows[0].oldest)),
    };
  }

  decryptKtp(s: Pick<SubmissionEntity, 'ktpEnc'>): Record<string, unknown> | null {
    return s.ktpEnc ? this.pii.decryptJson<Record<string, unknown>>(s.ktpEnc) : null;
  }

  decryptImageUrls(s: Pick<SubmissionEntity, 'imageUrlsEnc'>): Record<string, string> | null {
    return s.imageUrlsEnc ? this.pii.decryptJson<Record<string, string>>(s.imageUrlsEnc) : null;
  }

  /** Both contacts as given at initiation (none once erased). */
  decryptContacts(s: Pick<SubmissionEntity, 'contactEnc'>): Contacts {
    return s.contactEnc ? this.pii.decryptJson<Contacts>(s.contactEnc) : {};
  }
}

/**
 * The change statement of applyTransition ($1..$12: the observation event; $13..: see
 * writeDecision; $31 polls soon after an incomplete result, $32 the provider's processedAt, $33 the masks of
 * the KTP data learned).
 * Conditional on the version read ($29): 0 rows means a lost race. The
 * observation event first, then (when the status moved) a STATUS_CHANGED event: one
 * INSERT ... ORDER BY keeps the timeline's id order.
 */
function applyStatement(followUps: string): string {
  // `facts`: the identity warnings this change reveals, by blind index only (never decrypting):
  // the NIK it stores ($22) is held by another user's verification, or the provider refused the
  // contact as registered under another NIK (reason code $17). Only warnings the row lacks.
  return `WITH facts AS (
    SELECT s.id, ARRAY(
      SELECT w FROM unnest(ARRAY[
        CASE WHEN $22::bpchar IS NOT NULL AND s.pii_redacted_at IS NULL AND EXISTS (
          SELECT 1 FROM submissions o
          WHERE o.nik_hash = $22::bpchar AND (o.user_id <> s.user_id OR o.user_id_type <> s.user_id_type)
        ) THEN '${NIK_WARNING}' END,
        CASE WHEN $17::varchar IN (${CONTACT_REASON_CODES.map((c) => `'${c}'`).join(', ')})
          THEN '${CONTACT_WARNING}' END
      ]::text[]) AS w
      WHERE w IS NOT NULL AND NOT (w = ANY (s.warnings))
    ) AS new_warnings
    FROM submissions s WHERE s.id = $1 AND s.version = $29
  ), store_row AS (
    UPDATE submissions s SET
      status = $14,
      result = COALESCE($16, s.result),
      reason_code = COALESCE($17, s.reason_code),
      provider_submission_id = COALESCE($18, s.provider_submission_id),
      verification_result = COALESCE($19::jsonb, s.verification_result),
      certificate_registration = COALESCE($20::jsonb, s.certificate_registration),
      -- Personal data never lands again on an erased (or retention-redacted) verification.
      ktp_enc = CASE WHEN s.pii_redacted_at IS NULL THEN COALESCE($21, s.ktp_enc) END,
      nik_hash = CASE WHEN s.pii_redacted_at IS NULL THEN COALESCE($22, s.nik_hash) END,
      image_urls_enc = CASE WHEN s.pii_redacted_at IS NULL THEN COALESCE($23, s.image_urls_enc) END,
      image_urls_received_at = CASE WHEN $23::text IS NOT NULL THEN now() ELSE s.image_urls_received_at END,
      -- The masks of what it learned, beside the ciphertext (rows older than the column keep NULL).
      pii_masked = CASE WHEN s.pii_redacted_at IS NULL AND $33::jsonb IS NOT NULL THEN s.pii_masked || $33::jsonb
                        ELSE s.pii_masked END,
      initiation_error = COALESCE($24::jsonb, s.initiation_error),
      initiated_at = CASE WHEN $26::boolean THEN now() ELSE s.initiated_at END,
      sdk_expires_at = CASE WHEN $26::boolean THEN $27::timestamptz ELSE s.sdk_expires_at END,
      has_conflict = s.has_conflict OR $10::boolean,
      completed_at = CASE WHEN $25::boolean THEN COALESCE(s.completed_at, now()) ELSE s.completed_at END,
      next_poll_at = CASE
        WHEN $25::boolean THEN NULL
        WHEN $26::boolean THEN now() + make_interval(secs => $28)
        WHEN $31::boolean THEN now()
        ELSE s.next_poll_at
      END,
      provider_processed_at = COALESCE($32::timestamptz, s.provider_processed_at),
      warnings = s.warnings || f.new_warnings,
      updated_at = now(),
      version = s.version + 1
    FROM facts f
    WHERE s.id = $1 AND s.version = $29 AND f.id = s.id
    RETURNING s.*
  ), warned_others AS (
    -- The other users' verifications of that NIK learn it too, as a change partners hear of.
    UPDATE submissions o SET warnings = o.warnings || ARRAY['${NIK_WARNING}'], updated_at = now(),
           version = o.version + 1
    FROM store_row n
    WHERE $22::bpchar IS NOT NULL AND n.pii_redacted_at IS NULL AND o.nik_hash = $22::bpchar
      AND (o.user_id <> n.user_id OR o.user_id_type <> n.user_id_type)
      AND NOT ('${NIK_WARNING}' = ANY (o.warnings))
    RETURNING o.*
  ), changed AS (
    SELECT store_row.*, $30::text AS change_kind, CAST($13::varchar AS text) AS previous_status,
           ($23::text IS NOT NULL) AS image_urls_learned
    FROM store_row
    UNION ALL
    SELECT warned_others.*, 'updated'::text, warned_others.status::text, false FROM warned_others
  ), warning_events AS (
    INSERT INTO submission_events (submission_id, type, source, detail)
    SELECT n.id, 'IDENTITY_WARNING', $3::varchar, jsonb_build_object('warning', w)
    FROM store_row n JOIN facts f ON f.id = n.id CROSS JOIN unnest(f.new_warnings) AS w
    UNION ALL
    SELECT o.id, 'IDENTITY_WARNING', $3::varchar,
           jsonb_build_object('warning', '${NIK_WARNING}', 'relatedVerificationId', $1::uuid)
    FROM warned_others o
  ), store_events AS (
    INSERT INTO submission_events (${OBSERVATION_COLUMNS}, from_status, to_status)
    SELECT sid, typ, src, st, res, psid, dk, dup, stl, cfl, det, pl, fs, ts FROM (
      SELECT 1 AS ord, $1::uuid AS sid, $2::varchar AS typ, $3::varchar AS src, $4::varchar AS st,
             $5::varchar AS res, $6::varchar AS psid, $7::varchar AS dk, $8::boolean AS dup, $9::boolean AS stl,
             $10::boolean AS cfl, $11::jsonb AS det,
             (SELECT CASE WHEN n.pii_redacted_at IS NULL THEN $12::text END FROM store_row n) AS pl,
             NULL::varchar AS fs, NULL::varchar AS ts
      UNION ALL
      SELECT 2, $1::uuid, 'STATUS_CHANGED', $3::varchar, $14::varchar, $5::varchar, NULL, NULL, false, false,
             false, NULL, NULL, $13::varchar, $14::varchar
      WHERE $15::boolean
    ) e
    WHERE EXISTS (SELECT 1 FROM store_row)
    ORDER BY ord
  )${followUps}
  SELECT n.version, f.new_warnings, (SELECT count(*)::int FROM warned_others) AS others_warned
  FROM store_row n JOIN facts f ON f.id = n.id`;
}
