// Evidence archive: the work, as SQL the submission store runs inside the very statement that
// changes a verification (its registered follow-up). When a result brings image URLs, one
// download per image kind is queued in the same commit; when a verification is redacted (erasure
// or retention), its evidence rows become ERASED in the same commit, so no later download can
// bring an image back and the objects left to delete are on record even if the process dies
// before deleting them.
import type { ChangeFollowUp } from '../submissions/submissions.repository.js';

export const EVIDENCE_KINDS = ['KTP', 'SELFIE', 'ADDITIONAL_SELFIE'] as const;
export type EvidenceKind = (typeof EVIDENCE_KINDS)[number];

/**
 * The URLs are stored encrypted, so which kinds a result carries is not visible here: a row is
 * queued for every kind, and the downloader drops the rows of kinds the result did not include.
 * New URLs give an image that failed or expired another chance.
 */
export const EVIDENCE_CTES = `ev_queued AS (
    INSERT INTO evidence_objects (submission_id, kind)
    SELECT c.id, k.kind FROM changed c
    CROSS JOIN (VALUES ${EVIDENCE_KINDS.map((k) => `('${k}')`).join(', ')}) AS k(kind)
    WHERE c.image_urls_learned AND c.image_urls_enc IS NOT NULL AND c.pii_redacted_at IS NULL
    ON CONFLICT (submission_id, kind) DO UPDATE
      SET status = 'PENDING', attempts = 0, next_attempt_at = now(), locked_until = NULL,
          url_expires_at = NULL, last_error = NULL, updated_at = now()
      WHERE evidence_objects.status IN ('FAILED', 'EXPIRED')
    RETURNING 1
  ), ev_erased AS (
    UPDATE evidence_objects e
    SET status = 'ERASED', erased_at = now(), locked_until = NULL, sha256 = NULL, size = NULL,
        content_type = NULL, last_error = NULL, updated_at = now()
    FROM changed c
    WHERE e.submission_id = c.id AND c.pii_redacted_at IS NOT NULL AND e.status <> 'ERASED'
    RETURNING 1
  )`;

export const EVIDENCE_FOLLOW_UP: ChangeFollowUp = { name: 'evidence', ctes: EVIDENCE_CTES };
