// Idempotency-Key records for POST /v1/verifications, scoped to the API key. The first request
// claims the key (IN_PROGRESS); repeats with the same body wait for its answer and replay it;
// another body is a conflict; an attempt that ended in an error releases the key. The stored
// answer holds the SDK token, so it is kept encrypted.
import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Sql } from '../database/sql.js';
import { PiiCipher } from '../submissions/pii/pii-cipher.js';

export const IDEMPOTENCY_TTL_HOURS = 24;

export type ClaimResult =
  | { kind: 'claimed' }
  | { kind: 'replay'; status: number; body: unknown }
  | { kind: 'in_progress' }
  | { kind: 'mismatch' };

/** SHA-256 of the body with object keys sorted, so key order does not change the hash. */
export function requestHash(body: unknown): string {
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.keys(value as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

@Injectable()
export class IdempotencyRepository {
  constructor(
    private readonly sql: Sql,
    private readonly pii: PiiCipher,
  ) {}

  /**
   * Claims the key, or says what the earlier request with it became. An expired record, or an
   * IN_PROGRESS one older than `abandonAfterMs` (its process died mid-request), is taken over.
   */
  async claim(apiKeyId: string, key: string, hash: string, abandonAfterMs: number): Promise<ClaimResult> {
    const inserted = await this.sql.query(
      `INSERT INTO idempotency_keys (api_key_id, key, request_hash, state, expires_at)
       VALUES ($1, $2, $3, 'IN_PROGRESS', now() + make_interval(hours => $4))
       ON CONFLICT (api_key_id, key) DO UPDATE
         SET request_hash = EXCLUDED.request_hash, state = 'IN_PROGRESS', response_status = NULL,
             response_body = NULL, submission_id = NULL, created_at = now(), expires_at = EXCLUDED.expires_at
         WHERE idempotency_keys.expires_at < now()
            OR (idempotency_keys.state = 'IN_PROGRESS'
                AND idempotency_keys.created_at < now() - make_interval(secs => $5))
       RETURNING 1`,
      [apiKeyId, key, hash, IDEMPOTENCY_TTL_HOURS, abandonAfterMs / 1000],
    );
    if (inserted.length > 0) return { kind: 'claimed' };
    return this.peek(apiKeyId, key, hash);
  }

  async peek(apiKeyId: string, key: string, hash: string): Promise<ClaimResult> {
    const rows = await this.sql.query<{
      request_hash: string;
      state: string;
      response_status: number | null;
      response_body: { enc: string } | null;
    }>(
      `SELECT request_hash, state, response_status, response_body FROM idempotency_keys
         WHERE api_key_id = $1 AND key = $2 AND expires_at >= now()`,
      [apiKeyId, key],
    );
    if (rows.length === 0) return { kind: 'in_progress' }; // released meanwhile: the caller may claim again
    const row = rows[0];
    if (row.request_hash !== hash) return { kind: 'mismatch' };
    if (row.state === 'COMPLETED' && row.response_body) {
      return {
        kind: 'replay',
        status: row.response_status ?? 201,
        body: this.pii.decryptJson(row.response_body.enc),
      };
    }
    return { kind: 'in_progress' };
  }

  async complete(
    apiKeyId: string,
    key: string,
    status: number,
    body: unknown,
    submissionId: string,
  ): Promise<void> {
    await this.sql.query(
      `UPDATE idempotency_keys SET state = 'COMPLETED', response_status = $3, response_body = $4::jsonb, submission_id = $5
       WHERE api_key_id = $1 AND key = $2`,
      [apiKeyId, key, status, JSON.stringify({ enc: this.pii.encryptJson(body) }), submissionId],
    );
  }

  /** An attempt that ended in an error is not replayed: the next repeat tries again. */
  async release(apiKeyId: string, key: string): Promise<void> {
    await this.sql.query(
      `DELETE FROM idempotency_keys WHERE api_key_id = $1 AND key = $2 AND state = 'IN_PROGRESS'`,
      [apiKeyId, key],
    );
  }
}
