// `npm run migration:generate` on a migrated database must find nothing to do: the entities (kept
// for the generator) describe exactly the schema the migrations build. The check is the
// generator's own: TypeORM's schema builder diffs the entities against the migrated database,
// and a migration would be written for every up-query it logs.
import { DataSource } from 'typeorm';
import { typeOrmOptions } from '../../src/database/typeorm-options.js';
import { ENTITIES } from '../../src/entities.js';
import { createTestDatabase, TestDatabase } from '../support/database.js';

describe('entities and migrations agree (real PostgreSQL)', () => {
  let db: TestDatabase;
  let ds: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = new DataSource(await typeOrmOptions(db.url, 2, ENTITIES));
    await ds.initialize();
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('should list every entity (the generator sees the tables it must compare)', () => {
    expect(ds.entityMetadatas.map((m) => m.tableName).sort()).toEqual([
      'submission_events',
      'submissions',
      'unmatched_callbacks',
    ]);
  });

  it('should generate no migration on a migrated database', async () => {
    const { upQueries } = await ds.driver.createSchemaBuilder().log();
    expect(upQueries.map((q) => q.query)).toEqual([]);
  });
});
