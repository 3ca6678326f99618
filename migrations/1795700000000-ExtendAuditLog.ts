import { MigrationInterface, QueryRunner } from 'typeorm';

// The audit log now records partner back ends too (identity reads) and erasures, and is listed by
// operators: `actor_kind` says which kind of key `admin_key_id` names (existing rows were all
// admin reveals); one index per filter gives the newest-first keyset pages without a Sort. The
// row trigger already refuses UPDATE and DELETE; TRUNCATE fires no row trigger, so a statement
// trigger refuses it as well.
export class ExtendAuditLog1795700000000 implements MigrationInterface {
  name = 'ExtendAuditLog1795700000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE admin_audit_log ADD COLUMN actor_kind varchar(16) NOT NULL DEFAULT 'admin'
         CHECK (actor_kind IN ('admin', 'identity', 'system'))`,
    );
    await q.query(`CREATE INDEX idx_audit_created ON admin_audit_log (created_at DESC, id DESC)`);
    await q.query(
      `CREATE INDEX idx_audit_action_created ON admin_audit_log (action, created_at DESC, id DESC)`,
    );
    await q.query(
      `CREATE INDEX idx_audit_submission_created ON admin_audit_log (submission_id, created_at DESC, id DESC)
         WHERE submission_id IS NOT NULL`,
    );
    await q.query(`
      CREATE TRIGGER trg_admin_audit_log_no_truncate BEFORE TRUNCATE ON admin_audit_log
      FOR EACH STATEMENT EXECUTE FUNCTION admin_audit_log_immutable()`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER trg_admin_audit_log_no_truncate ON admin_audit_log`);
    await q.query(`DROP INDEX idx_audit_submission_created`);
    await q.query(`DROP INDEX idx_audit_action_created`);
    await q.query(`DROP INDEX idx_audit_created`);
    await q.query(`ALTER TABLE admin_audit_log DROP COLUMN actor_kind`);
  }
}
