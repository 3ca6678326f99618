import { MigrationInterface, QueryRunner } from 'typeorm';

// The retention job erases personal data of every submission finished more than
// PII_RETENTION_DAYS ago, including rows whose only personal data sits in event payloads (e.g. a
// late COMPLETED callback recorded as a conflict on an EXPIRED row: ktp_enc stays null there).
// The landed index only held rows with ktp_enc or image_urls_enc, so those rows were invisible to
// it. This one holds every finished row not yet processed by retention; the job marks each row it
// processes (pii_redacted_at), so the index only ever holds the last PII_RETENTION_DAYS of results.
export class ReplacePiiRetentionIndex1795672056818 implements MigrationInterface {
  name = 'ReplacePiiRetentionIndex1795672056818';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX idx_submissions_retention_due ON submissions (completed_at) WHERE pii_redacted_at IS NULL AND completed_at IS NOT NULL`,
    );
    await q.query(`DROP INDEX idx_submissions_pii_retention`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX idx_submissions_pii_retention ON submissions (completed_at) WHERE pii_redacted_at IS NULL AND (ktp_enc IS NOT NULL OR image_urls_enc IS NOT NULL)`,
    );
    await q.query(`DROP INDEX idx_submissions_retention_due`);
  }
}
