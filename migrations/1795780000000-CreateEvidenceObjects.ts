import { MigrationInterface, QueryRunner } from 'typeorm';

// The evidence archive: one row per image of a verification (KTP, SELFIE, ADDITIONAL_SELFIE).
// A row is work while PENDING (claimed under a lease in locked_until, fenced by `attempts`), then
// records what was archived: content type, size, SHA-256 of the image, where the encrypted object
// lives (store_key) and the wrapped data key that opens it. An ERASED row whose store_key is still
// set has an object left to delete. No image bytes and no URL are kept here.
export class CreateEvidenceObjects1795780000000 implements MigrationInterface {
  name = 'CreateEvidenceObjects1795780000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE evidence_objects (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        submission_id uuid NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,
        kind varchar(20) NOT NULL CHECK (kind IN ('KTP', 'SELFIE', 'ADDITIONAL_SELFIE')),
        status varchar(10) NOT NULL DEFAULT 'PENDING'
          CHECK (status IN ('PENDING', 'ARCHIVED', 'FAILED', 'EXPIRED', 'ERASED')),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        locked_until timestamptz,
        url_expires_at timestamptz,
        last_error varchar(300),
        content_type varchar(40),
        size integer,
        sha256 char(64),
        store_key varchar(300),
        data_key_enc text,
        archived_at timestamptz,
        erased_at timestamptz,
        object_deleted_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT evidence_objects_submission_kind UNIQUE (submission_id, kind)
      )`);
    // The worker's two queues: downloads due, and objects of erased rows still to delete.
    await q.query(
      `CREATE INDEX evidence_objects_due ON evidence_objects (next_attempt_at) WHERE status = 'PENDING'`,
    );
    await q.query(
      `CREATE INDEX evidence_objects_to_delete ON evidence_objects (erased_at)
       WHERE status = 'ERASED' AND store_key IS NOT NULL`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE evidence_objects`);
  }
}
