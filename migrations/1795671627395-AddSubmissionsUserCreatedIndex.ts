import { MigrationInterface, QueryRunner } from 'typeorm';

// The admin list filters on userId alone (any id type), newest first. The landed
// (user_id, user_id_type, created_at, id) index cannot give that order without a Sort over all of
// the user's rows, so this one does. Not CONCURRENTLY: migrations run under an advisory lock
// that other starting instances wait on, and CONCURRENTLY would wait for them in turn; the build
// takes seconds even at a million rows.
export class AddSubmissionsUserCreatedIndex1795671627395 implements MigrationInterface {
  name = 'AddSubmissionsUserCreatedIndex1795671627395';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX idx_submissions_user_any_type_created ON submissions (user_id, created_at DESC, id DESC)`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX idx_submissions_user_any_type_created`);
  }
}
