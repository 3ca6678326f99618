import { MigrationInterface, QueryRunner } from 'typeorm';

// The provider call count shared by every instance on this database: one row per wall-clock
// second (see src/onekyc/cluster-budget.ts). UNLOGGED: the rows matter for a few seconds only, so
// they need no WAL, and losing them in a crash only forgets seconds that are already over.
export class CreateProviderCallBudget1795770000000 implements MigrationInterface {
  name = 'CreateProviderCallBudget1795770000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE UNLOGGED TABLE provider_call_budget (
        second bigint PRIMARY KEY,
        used integer NOT NULL,
        partner_used integer NOT NULL,
        last_grant integer NOT NULL
      )`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE provider_call_budget`);
  }
}
