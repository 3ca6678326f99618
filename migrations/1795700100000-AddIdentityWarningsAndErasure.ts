import { MigrationInterface, QueryRunner } from 'typeorm';

// Duplicate identities and the right to erasure. `warnings` lists what the store noticed about a
// verification's identity (NIK_USED_BY_OTHER_USER, CONTACT_USED_BY_OTHER_NIK), written in the same
// statement as the change that revealed it. An erasure removes the contacts too, so `contact_enc`
// and `contact_hash` may now be NULL. Operators list the verifications that share a contact
// (the NIK already has idx_submissions_nik_hash).
export class AddIdentityWarningsAndErasure1795700100000 implements MigrationInterface {
  name = 'AddIdentityWarningsAndErasure1795700100000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE submissions ADD COLUMN warnings text[] NOT NULL DEFAULT '{}'`);
    await q.query(`ALTER TABLE submissions ALTER COLUMN contact_enc DROP NOT NULL`);
    await q.query(`ALTER TABLE submissions ALTER COLUMN contact_hash DROP NOT NULL`);
    await q.query(
      `CREATE INDEX idx_submissions_contact_hash ON submissions (contact_hash, created_at DESC, id DESC)
         WHERE contact_hash IS NOT NULL`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX idx_submissions_contact_hash`);
    // Erased rows have no contact left: they cannot satisfy NOT NULL again.
    await q.query(
      `DELETE FROM submission_events WHERE submission_id IN (SELECT id FROM submissions WHERE contact_enc IS NULL)`,
    );
    await q.query(`DELETE FROM submissions WHERE contact_enc IS NULL`);
    await q.query(`ALTER TABLE submissions ALTER COLUMN contact_hash SET NOT NULL`);
    await q.query(`ALTER TABLE submissions ALTER COLUMN contact_enc SET NOT NULL`);
    await q.query(`ALTER TABLE submissions DROP COLUMN warnings`);
  }
}
