// Keyset pagination of GET /admin/submissions: walking every page returns each row exactly once,
// in order, even with rows sharing a timestamp to the microsecond, rows a microsecond apart, and
// rows inserted while the walk goes on.
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { PiiCipher } from '../../src/submissions/pii/pii-cipher.js';
import { SubmissionsRepository } from '../../src/submissions/submissions.repository.js';
import { startTestApp, TestApp } from '../support/app.js';
import { json } from '../support/http.js';
import { get, seedSubmission } from './admin-fixtures.js';

const STATUSES = ['INITIATED', 'IN_PROGRESS', 'COMPLETED', 'ERROR', 'EXPIRED'];

describe('admin API: keyset pagination (real app, real PostgreSQL)', () => {
  let t: TestApp;
  let ds: DataSource;
  let repo: SubmissionsRepository;
  let seeded: { id: string; status: string }[];

  beforeAll(async () => {
    t = await startTestApp();
    ds = t.app.get(DataSource);
    repo = t.app.get(SubmissionsRepository);
    const pii = t.app.get(PiiCipher);
    const contact = pii.encryptJson({ phoneNumber: '628123456789' });
    // 600 rows in the past: groups of 6 share one created_at exactly, and successive groups are
    // one microsecond apart (a JS Date would merge them), so only (created_at, id) orders them.
    seeded = await ds.query(
      `INSERT INTO submissions (id, user_id, user_id_type, contact_type, contact_enc, contact_hash, source, status,
                                created_at)
       SELECT gen_random_uuid(), 'bulk-' || (g % 7), 'USER_ID', 'PHONE', $1, repeat('0', 64), 'SDK',
              ($2::text[])[1 + g % 5],
              '2025-06-01T00:00:00Z'::timestamptz + (g / 6) * interval '1 microsecond'
       FROM generate_series(0, 599) g
       RETURNING id, status`,
      [contact, STATUSES],
    );
  });
  afterAll(async () => {
    await t?.close();
  });

  /** Follows nextCursor to the end; `during` runs between pages. */
  async function walk(query: string, during?: () => Promise<unknown>) {
    const rows: any[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const sep = query ? '&' : '';
      const res: Response = await get(
        t,
        `/admin/submissions?${query}${cursor ? `${sep}cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(res.status).toBe(200);
      const body = await json(res);
      rows.push(...body.data);
      cursor = body.nextCursor;
      pages++;
      if (during) await during();
    } while (cursor && pages < 1000);
    return { rows, pages };
  }

  function expectStrictlyNewestFirst(rows: { id: string }[], createdAt: Map<string, string>) {
    for (let i = 1; i < rows.length; i++) {
      const [a, b] = [createdAt.get(rows[i - 1].id)!, createdAt.get(rows[i].id)!];
      expect(a > b || (a === b && rows[i - 1].id > rows[i].id)).toBe(true);
    }
  }

  async function exactCreatedAt(): Promise<Map<string, string>> {
    const all: { id: string; at: string }[] = await ds.query(
      `SELECT id, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS at FROM submissions`,
    );
    return new Map(all.map((r) => [r.id, r.at]));
  }

  it('should return every row exactly once, in order, across pages', async () => {
    const { rows, pages } = await walk('limit=37');
    expect(pages).toBe(Math.ceil(600 / 37));
    const ids = rows.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(ids)).toEqual(new Set(seeded.map((s) => s.id)));
    expectStrictlyNewestFirst(rows, await exactCreatedAt());
  });

  it('should end with a null cursor when the last page is exactly full', async () => {
    // 600 rows in pages of 100: six full pages, the sixth says there is nothing more.
    const { rows, pages } = await walk('limit=100');
    expect(rows).toHaveLength(600);
    expect(pages).toBe(6);
  });

  it('should page a filtered list completely (status and userId)', async () => {
    const completed = seeded.filter((s) => s.status === 'COMPLETED').map((s) => s.id);
    const byStatus = await walk('status=COMPLETED&limit=25');
    expect(byStatus.rows.map((r) => r.id).sort()).toEqual([...completed].sort());
    const byUser = await walk('userId=bulk-3&limit=9');
    const expected: { id: string }[] = await ds.query(`SELECT id FROM submissions WHERE user_id = 'bulk-3'`);
    expect(byUser.rows.map((r) => r.id).sort()).toEqual(expected.map((r) => r.id).sort());
    expect(new Set(byUser.rows.map((r) => r.id)).size).toBe(byUser.rows.length);
  });

  it('should neither repeat nor skip a row while rows are inserted during the walk', async () => {
    const before = new Set(
      ((await ds.query(`SELECT id FROM submissions`)) as { id: string }[]).map((r) => r.id),
    );
    const inserted: string[] = [];
    let stop = false;
    // A writer running beside the walk: new submissions through the store (newest), and rows
    // landing inside the range being paged (same timestamps as seeded ones).
    const writer = (async () => {
      while (!stop) {
        inserted.push(await seedSubmission(repo, ds, { status: 'COMPLETED' }));
        const [{ id }] = await ds.query(
          `INSERT INTO submissions (id, user_id, user_id_type, contact_type, contact_enc, contact_hash, source, status,
                                    created_at)
           SELECT $1, 'late', 'USER_ID', 'PHONE', contact_enc, contact_hash, 'SDK', 'ERROR', created_at
           FROM submissions WHERE user_id LIKE 'bulk-%' ORDER BY random() LIMIT 1
           RETURNING id`,
          [randomUUID()],
        );
        inserted.push(id);
      }
    })();
    let result: Awaited<ReturnType<typeof walk>>;
    try {
      result = await walk('limit=23', () => new Promise((r) => setTimeout(r, 5)));
    } finally {
      stop = true;
      await writer;
    }
    const ids = result.rows.map((r) => r.id);
    expect(inserted.length).toBeGreaterThan(4);
    expect(new Set(ids).size).toBe(ids.length); // nothing repeated
    for (const id of before) expect(ids).toContain(id); // nothing that existed was skipped
    for (const id of ids) expect(before.has(id) || inserted.includes(id)).toBe(true);
    expectStrictlyNewestFirst(result.rows, await exactCreatedAt());
  });
});
