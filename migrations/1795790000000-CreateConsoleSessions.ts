import { MigrationInterface, QueryRunner } from 'typeorm';

// Operator console sessions: an admin key exchanged for a short-lived session. Only a SHA-256 of
// the session token is kept (the token lives in the operator's httpOnly cookie), with the keyId()
// of the admin key that opened it, so a key removed from ADMIN_API_KEYS ends its sessions too.
// `expires_at` slides with use up to `absolute_expires_at`; `ended_at` is set on sign-out.
export class CreateConsoleSessions1795790000000 implements MigrationInterface {
  name = 'CreateConsoleSessions1795790000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE console_sessions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        token_hash char(64) NOT NULL UNIQUE,
        admin_key_id varchar(32) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_seen_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        absolute_expires_at timestamptz NOT NULL,
        ended_at timestamptz
      )`);
    await q.query(`CREATE INDEX idx_console_sessions_expires ON console_sessions (expires_at)`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE console_sessions`);
  }
}
