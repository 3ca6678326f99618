import { MigrationInterface, QueryRunner } from 'typeorm';

// When the provider says it processed the state we hold (`processedAt` of callbacks and Get
// Submission Details answers): kept beside our own received/updated times, for operators and
// for partners reconciling on their side. Null until a result carries a readable one.
export class AddSubmissionProviderProcessedAt1795680000000 implements MigrationInterface {
  name = 'AddSubmissionProviderProcessedAt1795680000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE submissions ADD COLUMN provider_processed_at timestamptz`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE submissions DROP COLUMN provider_processed_at`);
  }
}
