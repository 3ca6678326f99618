import { MigrationInterface, QueryRunner } from 'typeorm';

// The whole first schema: submissions (one row per initiation), their append-only event
// timeline, quarantined callbacks, idempotency records, the admin audit log and job runs.
// Personal data lives only in the *_enc columns (AES-256-GCM, see src/submissions/pii) and as
// keyed HMAC blind indexes (*_hash) for exact lookup.
export class CreateCoreTables1764115200000 implements MigrationInterface {
  name = 'CreateCoreTables1764115200000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE submissions (
        id uuid PRIMARY KEY,
        user_id varchar(128) NOT NULL,
        user_id_type varchar(64) NOT NULL,
        contact_type varchar(8) NOT NULL CHECK (contact_type IN ('PHONE', 'EMAIL')),
        contact_enc text NOT NULL,
        contact_hash char(64) NOT NULL,
        source varchar(8) NOT NULL CHECK (source IN ('SDK', 'WEB_SDK')),
        user_locale varchar(8) NOT NULL DEFAULT 'id_ID',
        status varchar(24) NOT NULL CHECK (status IN ('INITIATED', 'IN_PROGRESS', 'PARTIALLY_COMPLETED',
          'COMPLETED', 'ERROR', 'EXPIRED', 'INITIATION_FAILED')),
        result varchar(16) CHECK (result IN ('VALID', 'INVALID', 'REJECTED')),
        reason_code varchar(64),
        provider_submission_id varchar(128),
        initiated_at timestamptz,
        sdk_expires_at timestamptz,
        initiation_error jsonb,
        verification_result jsonb,
        certificate_registration jsonb,
        ktp_enc text,
        nik_hash char(64),
        image_urls_enc text,
        image_urls_received_at timestamptz,
        pii_redacted_at timestamptz,
        has_conflict boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz,
        last_polled_at timestamptz,
        next_poll_at timestamptz,
        poll_attempts integer NOT NULL DEFAULT 0,
        version integer NOT NULL DEFAULT 1
      )`);
    // Admin listing: newest first with keyset (created_at, id); one index per single filter.
    await q.query(`CREATE INDEX idx_submissions_created ON submissions (created_at DESC, id DESC)`);
    await q.query(
      `CREATE INDEX idx_submissions_status_created ON submissions (status, created_at DESC, id DESC)`,
    );
    await q.query(
      `CREATE INDEX idx_submissions_result_created ON submissions (result, created_at DESC, id DESC)`,
    );
    await q.query(
      `CREATE INDEX idx_submissions_user_created ON submissions (user_id, user_id_type, created_at DESC, id DESC)`,
    );
    await q.query(
      `CREATE INDEX idx_submissions_provider_submission ON submissions (provider_submission_id, created_at DESC, id DESC) WHERE provider_submission_id IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX idx_submissions_nik_hash ON submissions (nik_hash, created_at DESC, id DESC) WHERE nik_hash IS NOT NULL`,
    );
    // Reconciliation claims due, non-terminal rows; the partial index stays small.
    await q.query(
      `CREATE INDEX idx_submissions_due ON submissions (next_poll_at) WHERE status IN ('INITIATED', 'IN_PROGRESS', 'PARTIALLY_COMPLETED')`,
    );
    // Retention finds rows still holding personal data.
    await q.query(
      `CREATE INDEX idx_submissions_pii_retention ON submissions (completed_at) WHERE pii_redacted_at IS NULL AND (ktp_enc IS NOT NULL OR image_urls_enc IS NOT NULL)`,
    );

    await q.query(`
      CREATE TABLE submission_events (
        id bigserial PRIMARY KEY,
        submission_id uuid NOT NULL REFERENCES submissions(id),
        type varchar(32) NOT NULL,
        source varchar(16) NOT NULL,
        from_status varchar(24),
        to_status varchar(24),
        status varchar(24),
        result varchar(16),
        provider_submission_id varchar(128),
        dedupe_key varchar(200),
        duplicate boolean NOT NULL DEFAULT false,
        stale boolean NOT NULL DEFAULT false,
        conflict boolean NOT NULL DEFAULT false,
        detail jsonb,
        payload_enc text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX idx_events_submission ON submission_events (submission_id, id)`);
    await q.query(
      `CREATE INDEX idx_events_dedupe ON submission_events (submission_id, dedupe_key) WHERE dedupe_key IS NOT NULL AND duplicate = false`,
    );

    await q.query(`
      CREATE TABLE unmatched_callbacks (
        id bigserial PRIMARY KEY,
        partner_session_id varchar(200) NOT NULL,
        provider_submission_id varchar(200),
        status varchar(24),
        result varchar(16),
        source varchar(16) NOT NULL DEFAULT 'callback',
        payload_enc text NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        resolved_at timestamptz
      )`);
    await q.query(`CREATE INDEX idx_unmatched_received ON unmatched_callbacks (received_at DESC, id DESC)`);

    await q.query(`
      CREATE TABLE idempotency_keys (
        api_key_id varchar(64) NOT NULL,
        key varchar(255) NOT NULL,
        request_hash char(64) NOT NULL,
        state varchar(16) NOT NULL CHECK (state IN ('IN_PROGRESS', 'COMPLETED')),
        response_status integer,
        response_body jsonb,
        submission_id uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (api_key_id, key)
      )`);
    await q.query(`CREATE INDEX idx_idempotency_expires ON idempotency_keys (expires_at)`);

    await q.query(`
      CREATE TABLE admin_audit_log (
        id bigserial PRIMARY KEY,
        admin_key_id varchar(64) NOT NULL,
        action varchar(64) NOT NULL,
        submission_id uuid,
        detail jsonb,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    // The audit log is append-only at the database level too.
    await q.query(`
      CREATE FUNCTION admin_audit_log_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'admin_audit_log is append-only'; END $$`);
    await q.query(`
      CREATE TRIGGER trg_admin_audit_log_immutable BEFORE UPDATE OR DELETE ON admin_audit_log
      FOR EACH ROW EXECUTE FUNCTION admin_audit_log_immutable()`);

    await q.query(`
      CREATE TABLE job_runs (
        id bigserial PRIMARY KEY,
        job varchar(32) NOT NULL,
        instance_id varchar(64) NOT NULL,
        started_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        claimed integer NOT NULL DEFAULT 0,
        updated integer NOT NULL DEFAULT 0,
        unchanged integer NOT NULL DEFAULT 0,
        failed integer NOT NULL DEFAULT 0,
        expired integer NOT NULL DEFAULT 0,
        duration_ms integer,
        error text
      )`);
    await q.query(`CREATE INDEX idx_job_runs_job_started ON job_runs (job, started_at DESC)`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE job_runs`);
    await q.query(`DROP TRIGGER trg_admin_audit_log_immutable ON admin_audit_log`);
    await q.query(`DROP TABLE admin_audit_log`);
    await q.query(`DROP FUNCTION admin_audit_log_immutable()`);
    await q.query(`DROP TABLE idempotency_keys`);
    await q.query(`DROP TABLE unmatched_callbacks`);
    await q.query(`DROP TABLE submission_events`);
    await q.query(`DROP TABLE submissions`);
  }
}
