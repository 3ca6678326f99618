// Evidence archive: the one writer of `evidence_objects` outside the store's follow-up (which
// queues rows and marks them ERASED). Downloads are claimed with SKIP LOCKED under a lease and
// every outcome is fenced by the attempt number: an attempt whose lease ran out and was taken
// over cannot overwrite the newer attempt's outcome.
import { Injectable } from '@nestjs/common';
import { Sql } from '../database/sql.js';
import type { EvidenceSummary } from '../common/evidence-ports.js';
import { EVIDENCE_KINDS, EvidenceKind } from './evidence-follow-up.js';

export type EvidenceStatus = EvidenceSummary['status'];

export interface ClaimedEvidence {
  id: string;
  submission_id: string;
  kind: EvidenceKind;
  status: 'PENDING' | 'ERASED';
  attempts: number;
  /** PENDING: where an earlier attempt may have left an object; ERASED: the object to delete. */
  store_key: string | null;
  url_expires_at: Date | null;
  created_at: Date;
  image_urls_enc: string | null;
  image_urls_received_at: Date | null;
  pii_redacted_at: Date | null;
}

/** One verification's claimed rows, with what the downloads need from its submission. */
export interface ClaimedGroup {
  submissionId: string;
  imageUrlsEnc: string | null;
  imageUrlsReceivedAt: Date | null;
  piiRedactedAt: Date | null;
  rows: ClaimedEvidence[];
}

export interface EvidenceRow {
  id: string;
  submission_id: string;
  kind: EvidenceKind;
  status: EvidenceStatus;
  attempts: number;
  content_type: string | null;
  size: number | null;
  sha256: string | null;
  store_key: string | null;
  data_key_enc: string | null;
  last_error: string | null;
  url_expires_at: Date | null;
  archived_at: Date | null;
  erased_at: Date | null;
  next_attempt_at: Date;
}

export interface ArchivedFields {
  contentType: string;
  size: number;
  sha256: string;
  storeKey: string;
  wrappedKey: string;
}

const KIND_ORDER = `array_position(ARRAY[${EVIDENCE_KINDS.map((k) => `'${k}'`).join(', ')}]::varchar[], kind)`;

@Injectable()
export class EvidenceRepository {
  constructor(private readonly sql: Sql) {}

  /**
   * Due work, one item per verification (its due downloads, and objects of its erased rows left
   * to delete), leased for `leaseSeconds`: at most `limit` verifications, so one decryption of the
   * URLs and one statement can settle all of a verification's images. The candidates are the
   * `limit * 3` earliest due rows (index order), never a scan of the whole queue.
   */
  async claimDue(limit: number, leaseSeconds: number): Promise<ClaimedGroup[]> {
    const rows = await this.sql.query<ClaimedEvidence>(
      `WITH cand AS (
         SELECT e.submission_id, e.next_attempt_at FROM evidence_objects e
         WHERE ((e.status = 'PENDING' AND e.next_attempt_at <= now())
                OR (e.status = 'ERASED' AND e.store_key IS NOT NULL))
           AND (e.locked_until IS NULL OR e.locked_until < now())
         ORDER BY e.next_attempt_at
         LIMIT $1 * 3
       ), subs AS (
         SELECT submission_id FROM cand GROUP BY submission_id ORDER BY min(next_attempt_at) LIMIT $1
       ), due AS (
         SELECT e.id FROM evidence_objects e JOIN subs ON subs.submission_id = e.submission_id
         WHERE ((e.status = 'PENDING' AND e.next_attempt_at <= now())
                OR (e.status = 'ERASED' AND e.store_key IS NOT NULL))
           AND (e.locked_until IS NULL OR e.locked_until < now())
         FOR UPDATE OF e SKIP LOCKED
       ), claimed AS (
         UPDATE evidence_objects e
         SET locked_until = now() + make_interval(secs => $2),
             attempts = CASE WHEN e.status = 'PENDING' THEN e.attempts + 1 ELSE e.attempts END
         FROM due WHERE e.id = due.id
         RETURNING e.id, e.submission_id, e.kind, e.status, e.attempts, e.store_key, e.url_expires_at, e.created_at
       )
       SELECT c.*, s.image_urls_enc, s.image_urls_received_at, s.pii_redacted_at
       FROM claimed c JOIN submissions s ON s.id = c.submission_id`,
      [limit, leaseSeconds],
      { name: 'evidence_claim_due' },
    );
    const groups = new Map<string, ClaimedGroup>();
    for (const r of rows) {
      let g = groups.get(r.submission_id);
      if (!g) {
        g = {
          submissionId: r.submission_id,
          imageUrlsEnc: r.image_urls_enc,
          imageUrlsReceivedAt: r.image_urls_received_at,
          piiRedactedAt: r.pii_redacted_at,
          rows: [],
        };
        groups.set(r.submission_id, g);
      }
      g.rows.push(r);
    }
    return [...groups.values()];
  }

  /**
   * Before writing an object: its key (and the URL's expiry) on the row, so an object whose
   * attempt dies before recording it is still found and deleted. False when the attempt lost the row.
   */
  async recordIntent(id: string, attempts: number, storeKey: string, urlExpiresAt: Date): Promise<boolean> {
    const rows = await this.sql.query(
      `UPDATE evidence_objects SET store_key = $3, url_expires_at = $4, updated_at = now()
       WHERE id = $1 AND attempts = $2 AND status = 'PENDING' RETURNING 1`,
      [id, attempts, storeKey, urlExpiresAt],
      { name: 'evidence_record_intent' },
    );
    return rows.length > 0;
  }

  /** The archived object; the lag from queueing to archiving in seconds, or null when the attempt lost the row. */
  async recordArchived(id: string, attempts: number, f: ArchivedFields): Promise<number | null> {
    const rows = await this.sql.query<{ lag: number }>(
      `UPDATE evidence_objects SET status = 'ARCHIVED', content_type = $3, size = $4, sha256 = $5,
              data_key_enc = $7, archived_at = now(), locked_until = NULL, last_error = NULL, updated_at = now()
       WHERE id = $1 AND attempts = $2 AND status = 'PENDING' AND store_key = $6
       RETURNING extract(epoch FROM (archived_at - created_at))::float8 AS lag`,
      [id, attempts, f.contentType, f.size, f.sha256, f.storeKey, f.wrappedKey],
      { name: 'evidence_record_archived' },
    );
    return rows.length ? rows[0].lag : null;
  }

  /** Another attempt after `delaySeconds`; no object is left under the row. */
  async recordRetry(
    id: string,
    attempts: number,
    delaySeconds: number,
    error: string,
    urlExpiresAt: Date | null,
  ): Promise<boolean> {
    const rows = await this.sql.query(
      `UPDATE evidence_objects SET next_attempt_at = now() + make_interval(secs => $3), locked_until = NULL,
              last_error = $4, url_expires_at = COALESCE($5, url_expires_at), store_key = NULL, updated_at = now()
       WHERE id = $1 AND attempts = $2 AND status = 'PENDING' RETURNING 1`,
      [id, attempts, delaySeconds, error.slice(0, 300), urlExpiresAt],
      { name: 'evidence_record_retry' },
    );
    return rows.length > 0;
  }

  /**
   * FAILED (permanent) or EXPIRED (the URL expired before the image could be archived), for one
   * or more rows at once; answers the ids whose attempt still held the row.
   */
  async recordGaveUp(
    rows: { id: string; attempts: number }[],
    status: 'FAILED' | 'EXPIRED',
    error: string,
    urlExpiresAt: Date | null,
  ): Promise<string[]> {
    if (rows.length === 0) return [];
    const out = await this.sql.query<{ id: string }>(
      `UPDATE evidence_objects e SET status = $3, locked_until = NULL, last_error = $4,
              url_expires_at = COALESCE($5, e.url_expires_at), store_key = NULL, updated_at = now()
       FROM unnest($1::uuid[], $2::int[]) AS x(id, attempts)
       WHERE e.id = x.id AND e.attempts = x.attempts AND e.status = 'PENDING'
       RETURNING e.id`,
      [rows.map((r) => r.id), rows.map((r) => r.attempts), status, error.slice(0, 300), urlExpiresAt],
      { name: 'evidence_record_gave_up' },
    );
    return out.map((r) => r.id);
  }

  /** The result carried no URL of these kinds: the rows were queued for nothing. */
  async drop(rows: { id: string; attempts: number }[]): Promise<void> {
    if (rows.length === 0) return;
    await this.sql.query(
      `DELETE FROM evidence_objects e USING unnest($1::uuid[], $2::int[]) AS x(id, attempts)
       WHERE e.id = x.id AND e.attempts = x.attempts AND e.status = 'PENDING'`,
      [rows.map((r) => r.id), rows.map((r) => r.attempts)],
      { name: 'evidence_drop' },
    );
  }

  /** The verification's personal data is gone (redacted): so is its evidence. */
  async markErased(submissionIds: string[]): Promise<void> {
    await this.sql.query(
      `UPDATE evidence_objects SET status = 'ERASED', erased_at = now(), locked_until = NULL, sha256 = NULL,
              size = NULL, content_type = NULL, last_error = NULL, updated_at = now()
       WHERE submission_id = ANY($1::uuid[]) AND status <> 'ERASED'`,
      [submissionIds],
      { name: 'evidence_mark_erased' },
    );
  }

  /** Erased rows of these verifications whose object is still in the store. */
  objectsToDelete(submissionIds: string[]): Promise<{ id: string; store_key: string }[]> {
    return this.sql.query(
      `SELECT id, store_key FROM evidence_objects
       WHERE submission_id = ANY($1::uuid[]) AND status = 'ERASED' AND store_key IS NOT NULL`,
      [submissionIds],
      { name: 'evidence_objects_to_delete' },
    );
  }

  /** The object under `storeKey` was deleted: the row forgets it and its data key. */
  async recordObjectDeleted(id: string, storeKey: string): Promise<boolean> {
    const rows = await this.sql.query(
      `UPDATE evidence_objects SET store_key = NULL, data_key_enc = NULL, locked_until = NULL,
              object_deleted_at = now(), updated_at = now()
       WHERE id = $1 AND store_key = $2 RETURNING 1`,
      [id, storeKey],
      { name: 'evidence_object_deleted' },
    );
    return rows.length > 0;
  }

  /** After a failed deletion: try again once the lease runs out. */
  async releaseLease(id: string): Promise<void> {
    await this.sql.query(
      `UPDATE evidence_objects SET locked_until = now() + interval '30 seconds' WHERE id = $1`,
      [id],
    );
  }

  listForSubmission(submissionId: string): Promise<EvidenceRow[]> {
    return this.sql.query<EvidenceRow>(
      `SELECT id, submission_id, kind, status, attempts, content_type, size, sha256, store_key, data_key_enc,
              last_error, url_expires_at, archived_at, erased_at, next_attempt_at
       FROM evidence_objects WHERE submission_id = $1 ORDER BY ${KIND_ORDER}`,
      [submissionId],
      { name: 'evidence_list_for_submission' },
    );
  }

  /** Downloads waiting, and the age of the oldest (seconds). */
  async pendingSummary(): Promise<{ pending: number; oldestAgeSeconds: number }> {
    const [row] = await this.sql.query<{ pending: number; oldest: number | null }>(
      `SELECT count(*)::int AS pending, extract(epoch FROM now() - min(created_at))::float8 AS oldest
       FROM evidence_objects WHERE status = 'PENDING'`,
      [],
      { name: 'evidence_pending_summary' },
    );
    return { pending: row.pending, oldestAgeSeconds: Math.max(0, row.oldest ?? 0) };
  }
}
