// The quarantine of callbacks for sessions we never issued: written by callback ingestion, read by
// operators (GET /admin/callbacks/unmatched). Payloads are stored encrypted and never listed.
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Sql, Tx } from '../database/sql.js';
import { PiiCipher } from '../submissions/pii/pii-cipher.js';
import type { CallbackBody } from './callback-body.pipe.js';
import { UnmatchedCallbackEntity } from './unmatched-callback.entity.js';

/** The most of a quarantined callback's payload that is kept (serialized JSON, before encryption). */
export const QUARANTINE_PAYLOAD_MAX_BYTES = 32 * 1024;

/**
 * The payload as stored: the body itself when it is small, otherwise its identifying fields
 * only (each cut short) with the size it had. Junk sent to the callback URL costs bounded space.
 */
export function boundedPayload(body: object): unknown {
  const size = Buffer.byteLength(JSON.stringify(body));
  if (size <= QUARANTINE_PAYLOAD_MAX_BYTES) return body;
  const o = body as Record<string, unknown>;
  const kept: Record<string, unknown> = { truncated: true, originalBytes: size };
  for (const key of [
    'partnerSessionId',
    'submissionId',
    'userId',
    'userIdType',
    'status',
    'result',
    'callbackType',
  ]) {
    const v = o[key];
    if (typeof v === 'string') kept[key] = v.slice(0, 256);
    else if (typeof v === 'number' || typeof v === 'boolean' || v === null) kept[key] = v;
  }
  return kept;
}

/** A quarantined callback without its payload (the payload may hold KTP data). */
export type UnmatchedCallbackSummary = Omit<UnmatchedCallbackEntity, 'payloadEnc'>;

export interface UnmatchedCallbackQuery {
  /** 1 to 100; default 50. */
  limit?: number;
  /** `nextCursor` of the previous page (an id, as a decimal string). */
  cursor?: string | null;
  /** Only those not yet resolved by an operator. Default false (all). */
  openOnly?: boolean;
}

export interface UnmatchedCallbackPage {
  /** Newest first. */
  data: UnmatchedCallbackSummary[];
  nextCursor: string | null;
}

export class InvalidUnmatchedCursorError extends RangeError {
  constructor() {
    super('cursor must be the nextCursor of a previous page');
    this.name = 'InvalidUnmatchedCursorError';
  }
}

const SUMMARY_COLUMNS: (keyof UnmatchedCallbackSummary)[] = [
  'id',
  'partnerSessionId',
  'providerSubmissionId',
  'status',
  'result',
  'source',
  'receivedAt',
  'resolvedAt',
];

@Injectable()
export class UnmatchedCallbacksRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly sql: Sql,
    private readonly pii: PiiCipher,
  ) {}

  /** Stores one delivery (every delivery is kept, duplicates included); returns its id. */
  async quarantine(body: CallbackBody): Promise<string> {
    const rows = await this.sql.query<{ id: string }>(
      `INSERT INTO unmatched_callbacks (partner_session_id, provider_submission_id, status, result, source, payload_enc)
       VALUES ($1, $2, $3, $4, 'callback', $5) RETURNING id`,
      [
        body.partnerSessionId,
        body.submissionId,
        body.status,
        body.result ?? null,
        this.pii.encryptJson(boundedPayload(body)),
      ],
      { name: 'unmatched_quarantine' },
    );
    return String(rows[0].id);
  }

  /** Keeps a signing callback for a session that is not ours (source `signing`, status = its callbackType). */
  async quarantineSigning(body: Record<string, unknown>, callbackType: string): Promise<string> {
    const text = (v: unknown, max: number) => (typeof v === 'string' ? v.slice(0, max) : null);
    const rows = await this.sql.query<{ id: string }>(
      `INSERT INTO unmatched_callbacks (partner_session_id, provider_submission_id, status, result, source, payload_enc)
       VALUES ($1, $2, $3, NULL, 'signing', $4) RETURNING id`,
      [
        text(body.partnerSessionId, 200) ?? '',
        text(body.submissionId, 128),
        callbackType,
        this.pii.encryptJson(boundedPayload(body)),
      ],
      { name: 'unmatched_quarantine_signing' },
    );
    return String(rows[0].id);
  }

  /** Newest first, keyset-paginated on id. */
  async list(query: UnmatchedCallbackQuery = {}): Promise<UnmatchedCallbackPage> {
    const limit = Math.min(Math.max(Math.trunc(query.limit ?? 50), 1), 100);
    const qb = this.dataSource
      .getRepository(UnmatchedCallbackEntity)
      .createQueryBuilder('u')
      .select(SUMMARY_COLUMNS.map((c) => `u.${c}`))
      .orderBy('u.id', 'DESC')
      .limit(limit + 1);
    if (query.cursor) {
      if (!/^\d{1,19}$/.test(query.cursor)) throw new InvalidUnmatchedCursorError();
      qb.andWhere('u.id < :cursor', { cursor: query.cursor });
    }
    if (query.openOnly) qb.andWhere('u.resolved_at IS NULL');
    const rows = await qb.getMany();
    const more = rows.length > limit;
    const data: UnmatchedCallbackSummary[] = (more ? rows.slice(0, limit) : rows).map(
      ({ payloadEnc: _omit, ...summary }) => summary,
    );
    return { data, nextCursor: more ? data[data.length - 1].id : null };
  }

  /** How many are still open (for the admin stats and alerts). */
  async countOpen(): Promise<number> {
    const rows: { n: number }[] = await this.dataSource.query(
      `SELECT count(*)::int AS n FROM unmatched_callbacks WHERE resolved_at IS NULL`,
    );
    return rows[0].n;
  }

  findById(id: string): Promise<UnmatchedCallbackEntity | null> {
    if (!/^\d{1,19}$/.test(id)) return Promise.resolve(null);
    return this.dataSource.getRepository(UnmatchedCallbackEntity).findOne({ where: { id } });
  }

  /**
   * Erasure: deletes the quarantined callbacks of these sessions, and those whose payload names
   * this user. The user id sits only in the encrypted payload, so the quarantine is read in
   * batches and decrypted here (erasures are rare; the quarantine is purged after
   * PII_RETENTION_DAYS). Answers how many were deleted.
   */
  async eraseMatching(
    match: { sessionIds: string[]; userId: string; userIdType: string },
    opts: { tx?: Tx } = {},
  ): Promise<number> {
    const doomed: string[] = [];
    let after = '0';
    for (;;) {
      const rows = await this.sql.query<{ id: string; partner_session_id: string; payload_enc: string }>(
        `SELECT id, partner_session_id, payload_enc FROM unmatched_callbacks WHERE id > $1::bigint ORDER BY id LIMIT 500`,
        [after],
        { tx: opts.tx },
      );
      for (const r of rows) {
        if (match.sessionIds.includes(r.partner_session_id)) {
          doomed.push(r.id);
          continue;
        }
        let body: Record<string, unknown>;
        try {
          body = this.pii.decryptJson<Record<string, unknown>>(r.payload_enc);
        } catch {
          continue; // unreadable (a retired key): it cannot name anyone we could match
        }
        if (body.userId === match.userId && (body.userIdType ?? 'USER_ID') === match.userIdType) {
          doomed.push(r.id);
        }
      }
      if (rows.length < 500) break;
      after = rows[rows.length - 1].id;
    }
    if (doomed.length === 0) return 0;
    const deleted = await this.sql.query<{ id: string }>(
      `DELETE FROM unmatched_callbacks WHERE id = ANY($1::bigint[]) RETURNING id`,
      [doomed],
      { tx: opts.tx },
    );
    return deleted.length;
  }

  /** The raw payload as received. Personal data: reveal only where the caller audits it. */
  decryptPayload(row: Pick<UnmatchedCallbackEntity, 'payloadEnc'>): Record<string, unknown> {
    return this.pii.decryptJson<Record<string, unknown>>(row.payloadEnc);
  }
}
