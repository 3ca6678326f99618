// The submission store: every module writes submissions through here. `applyTransition` is the
// only writer of `status`; the hot paths (callback ingestion, initiation) are hand-written SQL
// with the fewest round trips that keep them correct under concurrency.
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, QueryFailedError } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { PiiCipher } from './pii/pii-cipher.js';
import { SubmissionEventEntity } from './submission-event.entity.js';
import {
  EventSource,
  EventType,
  isTerminal,
  SubmissionResult,
  SubmissionStatus,
} from './submission-status.js';
import { decideTransition, TransitionOutcome } from './submission-transition.js';
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

/** What was observed about a submission: a callback, a poll answer, an expiry, a failed initiation. */
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
  event: EventInput;
}

export interface TransitionResult {
  outcome: TransitionOutcome | 'not_found';
  /** True when the row changed (status or newly learned facts). */
  changed: boolean;
  previousStatus?: SubmissionStatus;
  status?: SubmissionStatus;
}

/** The part of a pg Pool/Client this file uses. */
interface PgQueryable {
  query<T>(q: { name: string; text: string; values: unknown[] }): Promise<{ rows: T[] }>;
}

/**
 * Runs one of applyTransition's statements as a named prepared statement on the transaction's
 * connection: PostgreSQL parses and plans it once per connection instead of once per callback
 * (for these CTEs, planning cost as much as executing). `text` must be the same for a `name`.
 * Errors are TypeORM's QueryFailedError, as from `manager.query`.
 */
async function prepared<T = Record<string, unknown>>(
  manager: EntityManager,
  name: string,
  text: string,
  params: unknown[],
): Promise<T[]> {
  const runner = manager.queryRunner;
  if (!runner || runner.isReleased) return manager.query(text, params);
  const client = (await runner.connect()) as PgQueryable;
  try {
    return (await client.query<T>({ name, text, values: params })).rows;
  } catch (err) {
    throw new QueryFailedError(text, params, err as Error);
  }
}

const PENDING_SQL = `('INITIATED', 'IN_PROGRESS', 'PARTIALLY_COMPLETED')`;

@Injectable()
export class SubmissionsRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly pii: PiiCipher,
    private readonly config: AppConfig,
  ) {}

  /**
   * Writes the row (status INITIATED, initiated_at null) and its INITIATION_REQUESTED event in one
   * statement, before the provider is called: a crash after this leaves a row that
   * reconciliation settles. `next_poll_at` makes it due for that check. Answers only what the
   * caller needs (the whole row cost PostgreSQL and pg a column each to send and parse).
   */
  async createForInitiation(s: NewSubmission): Promise<{ id: string; createdAt: Date }> {
    // The phone, when given, is the primary contact; both are kept (encrypted) when both are given.
    const contactType = s.contacts.phoneNumber ? 'PHONE' : 'EMAIL';
    const primary = s.contacts.phoneNumber ?? s.contacts.email;
    if (!primary) throw new Error('a submission needs a phone number or an email');
    const contactEnc = this.pii.encryptJson(s.contacts);
    const contactHash = this.pii.blindIndex(contactType === 'PHONE' ? 'phone' : 'email', primary);
    const rows = await this.preparedQuery<{ created_at: Date }>(
      'submissions_create_for_initiation',
      `WITH ins AS (
         INSERT INTO submissions (id, user_id, user_id_type, contact_type, contact_enc, contact_hash, source, user_locale,
                                  status, next_poll_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'INITIATED', now() + make_interval(secs => $9))
         RETURNING id, created_at
       ), ev AS (
         INSERT INTO submission_events (submission_id, type, source, to_status, detail)
         SELECT id, 'INITIATION_REQUESTED', 'api', 'INITIATED', $10::jsonb FROM ins
       )
       SELECT created_at FROM ins`,
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
      ],
    );
    return { id: s.id, createdAt: rows[0].created_at };
  }

  /** The provider issued the SDK token: the submission now waits for the user. Not a status change. */
  async markInitiated(
    id: string,
    sdkExpiresAt: Date | null,
    detail: Record<string, unknown> = {},
  ): Promise<void> {
    await this.preparedQuery(
      'submissions_mark_initiated',
      `WITH upd AS (
         UPDATE submissions SET initiated_at = now(), sdk_expires_at = $2, updated_at = now(), version = version + 1,
                next_poll_at = now() + make_interval(secs => $3)
         WHERE id = $1 AND initiated_at IS NULL AND status = 'INITIATED'
         RETURNING id
       )
       INSERT INTO submission_events (submission_id, type, source, status, detail)
       SELECT id, 'INITIATED', 'api', 'INITIATED', $4::jsonb FROM upd`,
      [id, sdkExpiresAt, this.config.reconcile.afterSeconds, JSON.stringify(detail)],
    );
  }

  /**
   * THE transition function: locks the row, decides with `decideTransition`, writes the row and
   * the event(s) in one statement, and says what happened. Runs in its own short transaction, or
   * in the caller's (`manager`) so a caller can store more in the same commit.
   */
  async applyTransition(
    id: string,
    input: TransitionInput,
    manager?: EntityManager,
  ): Promise<TransitionResult> {
    if (!manager) return this.dataSource.transaction((em) => this.applyTransition(id, input, em));
    const locked: { status: SubmissionStatus; result: SubmissionResult | null; initiated_at: Date | null }[] =
      await prepared(
        manager,
        'submissions_lock',
        `SELECT status, result, initiated_at FROM submissions WHERE id = $1 FOR UPDATE`,
        [id],
      );
    if (locked.length === 0) return { outcome: 'not_found', changed: false };
    const current = locked[0];
    const decision = decideTransition(
      { status: current.status, result: current.result, initiatedAt: current.initiated_at },
      { status: input.status, result: input.result ?? null },
    );
    const applied = decision.outcome === 'applied';
    const newStatus = decision.changesStatus ? input.status : current.status;
    const terminal = isTerminal(newStatus);

    const ev = input.event;
    const params: unknown[] = [
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
      ev.detail ? JSON.stringify(ev.detail) : null,
      ev.payload === undefined ? null : this.pii.encryptJson(ev.payload),
      current.status, // $13
      newStatus,
      decision.changesStatus, // $15
    ];
    // The observation event first, then (when the status moved) a STATUS_CHANGED event: one
    // INSERT ... ORDER BY keeps the timeline's id order.
    const eventsSql = `
      INSERT INTO submission_events (submission_id, type, source, from_status, to_status, status, result,
                                     provider_submission_id, dedupe_key, duplicate, stale, conflict, detail, payload_enc)
      SELECT sid, typ, src, fs, ts, st, res, psid, dk, dup, stl, cfl, det, pl FROM (
        SELECT 1 AS ord, $1::uuid AS sid, $2::varchar AS typ, $3::varchar AS src, NULL::varchar AS fs,
               NULL::varchar AS ts, $4::varchar AS st, $5::varchar AS res, $6::varchar AS psid, $7::varchar AS dk,
               $8::boolean AS dup, $9::boolean AS stl, $10::boolean AS cfl, $11::jsonb AS det, $12::text AS pl
        UNION ALL
        SELECT 2, $1::uuid, 'STATUS_CHANGED', $3::varchar, $13::varchar, $14::varchar, $14::varchar, $5::varchar,
               NULL, NULL, false, false, false, NULL, NULL
        WHERE $15::boolean
      ) e ORDER BY ord`;

    if (!applied) {
      if (decision.outcome === 'conflict') {
        await prepared(
          manager,
          'submissions_conflict',
          `WITH upd AS (UPDATE submissions SET has_conflict = true, updated_at = now() WHERE id = $1 RETURNING id)
           ${eventsSql}`,
          params,
        );
      } else {
        await prepared(manager, 'submissions_events', eventsSql, params);
      }
      return {
        outcome: decision.outcome,
        changed: false,
        previousStatus: current.status,
        status: current.status,
      };
    }

    const ktp = input.ktpData ?? null;
    const nik = ktp && typeof ktp.nik === 'string' ? ktp.nik : null;
    params.push(
      input.reasonCode ?? null, // $16
      input.verificationResult ? JSON.stringify(input.verificationResult) : null,
      input.certificateRegistration ? JSON.stringify(input.certificateRegistration) : null,
      ktp ? this.pii.encryptJson(ktp) : null,
      nik ? this.pii.blindIndex('nik', nik) : null, // $20
      input.imageUrls ? this.pii.encryptJson(input.imageUrls) : null,
      input.initiationError ? JSON.stringify(input.initiationError) : null,
      terminal, // $23
    );
    await prepared(
      manager,
      'submissions_apply',
      `WITH upd AS (
         UPDATE submissions SET
           status = $14,
           result = COALESCE($5, result),
           reason_code = COALESCE($16, reason_code),
           provider_submission_id = COALESCE($6, provider_submission_id),
           verification_result = COALESCE($17::jsonb, verification_result),
           certificate_registration = COALESCE($18::jsonb, certificate_registration),
           ktp_enc = COALESCE($19, ktp_enc),
           nik_hash = COALESCE($20, nik_hash),
           image_urls_enc = COALESCE($21, image_urls_enc),
           image_urls_received_at = CASE WHEN $21::text IS NOT NULL THEN now() ELSE image_urls_received_at END,
           initiation_error = COALESCE($22::jsonb, initiation_error),
           completed_at = CASE WHEN $23::boolean THEN COALESCE(completed_at, now()) ELSE completed_at END,
           next_poll_at = CASE WHEN $23::boolean THEN NULL ELSE next_poll_at END,
           updated_at = now(),
           version = version + 1
         WHERE id = $1
         RETURNING id
       )
       ${eventsSql}`,
      params,
    );
    return {
      outcome: 'applied',
      changed: true,
      previousStatus: current.status,
      status: newStatus,
    };
  }

  /** Appends an event that changes nothing (e.g. a poll that found no submission yet). */
  async recordEvent(
    id: string,
    ev: EventInput & { status?: string | null },
    manager?: EntityManager,
  ): Promise<void> {
    await (manager ?? this.dataSource).query(
      `INSERT INTO submission_events (submission_id, type, source, status, dedupe_key, detail, payload_enc)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7)`,
      [
        id,
        ev.type,
        ev.source,
        ev.status ?? null,
        ev.dedupeKey ?? null,
        ev.detail ? JSON.stringify(ev.detail) : null,
        ev.payload === undefined ? null : this.pii.encryptJson(ev.payload),
      ],
    );
  }

  /** One submission by id. Plain prepared SQL: TypeORM's findOne rebuilt the query on every call. */
  async findById(id: string): Promise<SubmissionEntity | null> {
    const rows = await this.preparedQuery<Record<string, unknown>>(
      'submissions_find_by_id',
      `SELECT ${this.entityColumns()} FROM submissions WHERE id = $1`,
      [id],
    );
    return rows.length > 0 ? this.toEntity(rows[0]) : null;
  }

  /** A user's submissions, newest first (bounded). */
  findByUser(userId: string, userIdType: string, limit = 100): Promise<SubmissionEntity[]> {
    return this.dataSource
      .getRepository(SubmissionEntity)
      .createQueryBuilder('s')
      .where('s.user_id = :userId AND s.user_id_type = :userIdType', { userId, userIdType })
      .orderBy('s.created_at', 'DESC')
      .addOrderBy('s.id', 'DESC')
      .limit(limit)
      .getMany();
  }

  /** The event timeline, oldest first. */
  findEvents(id: string): Promise<SubmissionEventEntity[]> {
    return this.dataSource
      .getRepository(SubmissionEventEntity)
      .find({ where: { submissionId: id }, order: { id: 'ASC' } });
  }

  /** Counts of not-yet-terminal submissions and the age of the oldest, for metrics and stats. */
  async pendingSummary(): Promise<{ pending: number; oldestPendingAgeSeconds: number | null }> {
    const rows: { pending: string; oldest: string | null }[] = await this.dataSource.query(
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

  /** Both contacts as given at initiation. */
  decryptContacts(s: Pick<SubmissionEntity, 'contactEnc'>): Contacts {
    return this.pii.decryptJson<Contacts>(s.contactEnc);
  }

  /** The primary contact (phone when given, else email), matching `contactType`. */
  decryptContact(s: Pick<SubmissionEntity, 'contactEnc'>): string {
    const c = this.decryptContacts(s);
    return (c.phoneNumber ?? c.email)!;
  }

  /**
   * One statement outside any transaction, as a named prepared statement on a pooled connection
   * (the initiation path: planning these CTEs cost PostgreSQL about as much as running them).
   * Straight on TypeORM's pg pool (`driver.master`): a QueryRunner around one statement cost more
   * CPU than the statement's own round trip.
   */
  private async preparedQuery<T = Record<string, unknown>>(
    name: string,
    text: string,
    params: unknown[],
  ): Promise<T[]> {
    const pool = (this.dataSource.driver as unknown as { master: PgQueryable }).master;
    try {
      return (await pool.query<T>({ name, text, values: params })).rows;
    } catch (err) {
      throw new QueryFailedError(text, params, err as Error);
    }
  }

  private columnList?: string;
  private entityColumns(): string {
    this.columnList ??= this.dataSource
      .getMetadata(SubmissionEntity)
      .columns.map((c) => `"${c.databaseName}"`)
      .join(', ');
    return this.columnList;
  }

  private toEntity(row: Record<string, unknown>): SubmissionEntity {
    const meta = this.dataSource.getMetadata(SubmissionEntity);
    const e = new SubmissionEntity();
    for (const col of meta.columns) {
      (e as unknown as Record<string, unknown>)[col.propertyName] = row[col.databaseName];
    }
    return e;
  }
}
