import { MigrationInterface, QueryRunner } from 'typeorm';

// Partner webhooks. `webhook_events` is the outbox: one row per verification change, written by
// the store's statement that made the change (its payload is the exact body sent). One
// `webhook_deliveries` row per (endpoint, event) is both the work queue (leased with
// locked_until, claimed with SKIP LOCKED) and the delivery log the admin API lists.
// Endpoint secrets are encrypted with the PII key ring; `events` empty means every type.
export class CreateWebhookTables1795690000000 implements MigrationInterface {
  name = 'CreateWebhookTables1795690000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE webhook_endpoints (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      url text NOT NULL,
      description text,
      events text[] NOT NULL DEFAULT '{}',
      enabled boolean NOT NULL DEFAULT true,
      secret_enc text NOT NULL,
      previous_secret_enc text,
      previous_secret_until timestamptz,
      failing_since timestamptz,
      last_success_at timestamptz,
      disabled_reason text,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE TABLE webhook_events (
      id uuid PRIMARY KEY,
      type varchar(64) NOT NULL,
      submission_id uuid,
      payload json NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`);
    // Replay of a period walks events by time.
    await q.query(`CREATE INDEX idx_webhook_events_created ON webhook_events (created_at)`);
    await q.query(`CREATE TABLE webhook_deliveries (
      id bigserial PRIMARY KEY,
      endpoint_id uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
      event_id uuid NOT NULL REFERENCES webhook_events (id),
      event_type varchar(64) NOT NULL,
      submission_id uuid,
      status varchar(16) NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'SUCCEEDED', 'FAILED')),
      attempts integer NOT NULL DEFAULT 0,
      retry_from integer NOT NULL DEFAULT 0,
      next_attempt_at timestamptz,
      locked_until timestamptz,
      last_attempt_at timestamptz,
      last_status_code integer,
      last_error text,
      last_response text,
      delivered_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT uq_webhook_deliveries_endpoint_event UNIQUE (endpoint_id, event_id)
    )`);
    await q.query(
      `CREATE INDEX idx_webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'PENDING'`,
    );
    await q.query(`CREATE INDEX idx_webhook_deliveries_created ON webhook_deliveries (created_at, id)`);
    await q.query(
      `CREATE INDEX idx_webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at, id)`,
    );
    await q.query(
      `CREATE INDEX idx_webhook_deliveries_submission ON webhook_deliveries (submission_id, created_at, id) WHERE submission_id IS NOT NULL`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE webhook_deliveries`);
    await q.query(`DROP TABLE webhook_events`);
    await q.query(`DROP TABLE webhook_endpoints`);
  }
}
