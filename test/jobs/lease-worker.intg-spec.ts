// The lease runner against a real PostgreSQL table: two workers share the rows without doing any
// twice, a worker that dies mid-handler loses nothing (its lease expires and another takes the
// row), and stop() waits for the handlers in flight.
import { Client } from 'pg';
import { LeaseWorker } from '../../src/jobs/lease-worker.js';
import { createTestDatabase, TestDatabase } from '../support/database.js';

interface Row {
  id: number;
}

describe('LeaseWorker on PostgreSQL', () => {
  let db: TestDatabase;
  let pg: Client;

  beforeAll(async () => {
    db = await createTestDatabase({ migrate: false });
    pg = new Client({ connectionString: db.url });
    await pg.connect();
    await pg.query(`CREATE TABLE work (
      id int PRIMARY KEY, due_at timestamptz NOT NULL DEFAULT now(), done_by text[] NOT NULL DEFAULT '{}',
      done boolean NOT NULL DEFAULT false)`);
  });
  afterAll(async () => {
    await pg?.end();
    await db?.drop();
  });

  /** The claim every user of the runner writes: due rows, SKIP LOCKED, due time pushed out by the lease. */
  const claimOn = (client: Client) => async (limit: number, leaseSeconds: number) => {
    const res = await client.query<Row>(
      `WITH due AS (
         SELECT id FROM work WHERE NOT done AND due_at <= now() ORDER BY due_at, id LIMIT $1 FOR UPDATE SKIP LOCKED
       )
       UPDATE work w SET due_at = now() + make_interval(secs => $2) FROM due WHERE w.id = due.id RETURNING w.id`,
      [limit, leaseSeconds],
    );
    return res.rows;
  };

  it('should share 200 rows between two workers with each row handled exactly once', async () => {
    await pg.query(`TRUNCATE work`);
    await pg.query(`INSERT INTO work (id) SELECT g FROM generate_series(1, 200) g`);
    const clients = [new Client({ connectionString: db.url }), new Client({ connectionString: db.url })];
    await Promise.all(clients.map((c) => c.connect()));
    const workers = clients.map(
      (client, n) =>
        new LeaseWorker<Row>({
          name: `w${n}`,
          claim: claimOn(client),
          handle: async (row) => {
            await new Promise((r) => setTimeout(r, 2));
            await client.query(`UPDATE work SET done = true, done_by = done_by || $2::text WHERE id = $1`, [
              row.id,
              `w${n}`,
            ]);
          },
          concurrency: 4,
          leaseSeconds: 30,
          pollIntervalMs: 20,
        }),
    );
    workers.forEach((w) => w.start());
    await waitFor(
      async () => (await pg.query(`SELECT count(*)::int AS n FROM work WHERE done`)).rows[0].n === 200,
    );
    await Promise.all(workers.map((w) => w.stop()));
    await Promise.all(clients.map((c) => c.end()));

    const twice = await pg.query(`SELECT id FROM work WHERE cardinality(done_by) <> 1`);
    expect(twice.rows).toEqual([]);
    const per = await pg.query(`SELECT done_by[1] AS w, count(*)::int AS n FROM work GROUP BY 1 ORDER BY 1`);
    expect(per.rows.map((r) => r.w)).toEqual(['w0', 'w1']);
    expect(workers[0].stats().handled + workers[1].stats().handled).toBe(200);
  });

  it('should hand a row whose worker died to another worker once its lease expires', async () => {
    await pg.query(`TRUNCATE work`);
    await pg.query(`INSERT INTO work (id) VALUES (1)`);
    const dead = new Client({ connectionString: db.url });
    await dead.connect();
    // The first worker claims the row and "dies" inside its handler: it never records an outcome.
    let claimedByDead = 0;
    let claimedAt = 0;
    let revive!: () => void;
    const hung = new Promise<void>((r) => (revive = r));
    const dying = new LeaseWorker<Row>({
      name: 'dying',
      claim: async (limit, lease) => {
        const rows = await claimOn(dead)(limit, lease);
        if (rows.length) claimedAt = Date.now();
        claimedByDead += rows.length;
        return rows;
      },
      handle: () => hung,
      concurrency: 1,
      leaseSeconds: 1,
      pollIntervalMs: 20,
    });
    dying.start();
    await waitFor(async () => claimedByDead === 1);
    await dead.end();

    const survivor = new Client({ connectionString: db.url });
    await survivor.connect();
    const handledAt: number[] = [];
    const worker = new LeaseWorker<Row>({
      name: 'survivor',
      claim: claimOn(survivor),
      handle: async (row) => {
        handledAt.push(Date.now() - claimedAt);
        await survivor.query(`UPDATE work SET done = true, done_by = done_by || $2::text WHERE id = $1`, [
          row.id,
          'survivor',
        ]);
      },
      concurrency: 1,
      leaseSeconds: 1,
      pollIntervalMs: 50,
    });
    worker.start();
    await waitFor(async () => handledAt.length === 1, 10000);
    await worker.stop();
    await survivor.end();
    revive();
    await dying.stop();
    // Not before the lease (1 s from the claim) ran out, and within a few seconds of it.
    expect(handledAt[0]).toBeGreaterThanOrEqual(900);
    expect(handledAt[0]).toBeLessThan(8000);
    expect((await pg.query(`SELECT done_by FROM work WHERE id = 1`)).rows[0].done_by).toEqual(['survivor']);
  });

  it('should finish the handler in flight before stop() resolves, and claim nothing after', async () => {
    await pg.query(`TRUNCATE work`);
    await pg.query(`INSERT INTO work (id) SELECT g FROM generate_series(1, 3) g`);
    const client = new Client({ connectionString: db.url });
    await client.connect();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let started = 0;
    const worker = new LeaseWorker<Row>({
      name: 'stopping',
      claim: claimOn(client),
      handle: async (row) => {
        started++;
        await gate;
        await client.query(`UPDATE work SET done = true WHERE id = $1`, [row.id]);
      },
      concurrency: 1,
      leaseSeconds: 30,
      pollIntervalMs: 20,
    });
    worker.start();
    await waitFor(async () => started === 1);
    const stopped = worker.stop();
    setTimeout(release, 100);
    await stopped;
    const done = (await client.query(`SELECT count(*)::int AS n FROM work WHERE done`)).rows[0].n;
    await client.end();
    expect(done).toBe(1);
    expect(started).toBe(1);
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 10000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('condition not met in time');
}
