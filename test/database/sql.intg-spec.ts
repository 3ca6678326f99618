// The statement helper on real PostgreSQL: rows, named prepared statements, transactions that
// commit or roll back as a whole, and errors shaped so the problem filter can tell an outage.
import { DataSource, QueryFailedError } from 'typeorm';
import { isDatabaseUnavailable } from '../../src/common/database-errors.js';
import { Sql } from '../../src/database/sql.js';
import { typeOrmOptions } from '../../src/database/typeorm-options.js';
import { createTestDatabase, TestDatabase } from '../support/database.js';

describe('Sql (real PostgreSQL)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let sql: Sql;

  beforeAll(async () => {
    db = await createTestDatabase({ migrate: false });
    ds = new DataSource(await typeOrmOptions(db.url, 2));
    await ds.initialize();
    sql = new Sql(ds);
    await sql.query(`CREATE TABLE t (n int PRIMARY KEY)`);
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('answers rows, also as a named prepared statement reused across calls', async () => {
    for (const n of [1, 2, 3]) {
      const rows = await sql.query<{ n: number }>(`SELECT $1::int * 2 AS n`, [n], {
        name: 'sql_spec_double',
      });
      expect(rows).toEqual([{ n: n * 2 }]);
    }
  });

  it('commits a transaction whose work resolves and rolls back one whose work throws', async () => {
    await sql.transaction(async (tx) => {
      await sql.query(`INSERT INTO t VALUES (1)`, [], { tx });
    });
    await expect(
      sql.transaction(async (tx) => {
        await sql.query(`INSERT INTO t VALUES (2)`, [], { tx });
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(await sql.query(`SELECT n FROM t ORDER BY n`)).toEqual([{ n: 1 }]);
  });

  it("wraps a refused statement as TypeORM's QueryFailedError with the SQLSTATE", async () => {
    const err = await sql.query(`SELECT * FROM no_such_table`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QueryFailedError);
    expect((err as QueryFailedError & { driverError: { code: string } }).driverError.code).toBe('42P01');
    expect(isDatabaseUnavailable(err)).toBe(false);
  });

  it('reports a connection the server cut as the database being unavailable (the filter answers 503)', async () => {
    // pg_terminate_backend is what a fast shutdown or failover does to a session: 57P01.
    const cut = `SELECT pg_terminate_backend(pg_backend_pid())`;
    const err = await sql.query(cut).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QueryFailedError);
    expect(isDatabaseUnavailable(err)).toBe(true);
    const txErr = await sql.transaction((tx) => sql.query(cut, [], { tx })).catch((e: unknown) => e);
    expect(isDatabaseUnavailable(txErr)).toBe(true);
    // The broken connections were dropped, not handed back: the next statements work.
    expect(await sql.query(`SELECT 1 AS one`)).toEqual([{ one: 1 }]);
    expect(await sql.transaction((tx) => sql.query(`SELECT 2 AS two`, [], { tx }))).toEqual([{ two: 2 }]);
  });
});
