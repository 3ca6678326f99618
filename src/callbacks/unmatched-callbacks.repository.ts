// The quarantine of callbacks for sessions we never issued: written by callback ingestion, read by
// operators (GET /admin/callbacks/unmatched, in admin.repository.ts), erased with a user's data.
// Payloads are stored encrypted and never listed.
import { Injectable } from '@nestjs/common';
import { Sql, Tx } from '../database/sql.js';
import { PiiCipher } from '../submissions/pii/pii-cipher.js';
import type { CallbackBody } from './callback-body.pipe.js';

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

@Injectable()
export class UnmatchedCallbacksRepository {
  constructor(
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
}
