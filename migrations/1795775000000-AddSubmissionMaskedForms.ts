import { MigrationInterface, QueryRunner } from 'typeorm';

// The masked forms operators see in lists (phone, email, NIK, name), written by the store when it
// learns the clear values, so a page of the admin list decrypts nothing. They are masks, not the
// data: "6281******89", "3171********0001", "J. D.". NULL on rows written before this column: the
// admin list masks those by decrypting, as before.
export class AddSubmissionMaskedForms1795775000000 implements MigrationInterface {
  name = 'AddSubmissionMaskedForms1795775000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE submissions ADD COLUMN pii_masked jsonb`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE submissions DROP COLUMN pii_masked`);
  }
}
