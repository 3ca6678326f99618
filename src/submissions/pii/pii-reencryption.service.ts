// Re-encrypts personal data written under an older key with the newest one (the first of
// PII_ENCRYPTION_KEYS), in small batches, so an old key can be retired. Run it with
// `npm run pii:reencrypt` after prepending a new key; it is idempotent and resumable.
import { Injectable, Logger } from '@nestjs/common';
import { Sql } from '../../database/sql.js';
import { PiiCipher } from './pii-cipher.js';

const TARGETS = [
  { table: 'submissions', key: 'id', columns: ['contact_enc', 'ktp_enc', 'image_urls_enc'] },
  { table: 'submission_events', key: 'id', columns: ['payload_enc'] },
  { table: 'unmatched_callbacks', key: 'id', columns: ['payload_enc'] },
  // Archived images are not re-encrypted: only the data keys that open them are re-wrapped.
  { table: 'evidence_objects', key: 'id', columns: ['data_key_enc'] },
] as const;

@Injectable()
export class PiiReencryptionService {
  private readonly logger = new Logger(PiiReencryptionService.name);

  constructor(
    private readonly sql: Sql,
    private readonly pii: PiiCipher,
  ) {}

  /** Returns how many values were rewritten per table. */
  async reencryptAll(batchSize = 500): Promise<Record<string, number>> {
    const prefix = `v1:${this.pii.currentKeyId}:`;
    const counts: Record<string, number> = {};
    for (const t of TARGETS) {
      counts[t.table] = 0;
      const stale = t.columns.map((c) => `(${c} IS NOT NULL AND ${c} NOT LIKE $1)`).join(' OR ');
      for (;;) {
        const n = await this.sql.transaction(async (tx) => {
          const rows = await this.sql.query<Record<string, string | null>>(
            `SELECT ${t.key}, ${t.columns.join(', ')} FROM ${t.table} WHERE ${stale} LIMIT $2 FOR UPDATE SKIP LOCKED`,
            [prefix + '%', batchSize],
            { tx },
          );
          for (const row of rows) {
            const sets = t.columns.map((c, i) => `${c} = $${i + 2}`).join(', ');
            const values = t.columns.map((c) => (row[c] ? this.pii.reencrypt(row[c]!) : null));
            // Touches only the ciphertext columns (the event table stays append-only in content).
            await this.sql.query(
              `UPDATE ${t.table} SET ${sets} WHERE ${t.key} = $1`,
              [row[t.key], ...values],
              {
                tx,
              },
            );
          }
          return rows.length;
        });
        counts[t.table] += n;
        if (n < batchSize) break;
      }
    }
    this.logger.log(
      { counts, keyId: this.pii.currentKeyId },
      'personal data re-encrypted under the current key',
    );
    return counts;
  }
}
