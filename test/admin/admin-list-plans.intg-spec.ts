// The admin list must stay index-driven at any size and depth. Checked with EXPLAIN on the
// repository's own SQL over 50,000 generated rows (plus one heavy user and NIK), for each single
// filter and a few combinations, on the first page and on a page 10,000 rows deep (or as deep as
// the filter goes):
// - a filter matching many rows is an ordered Index Scan that stops after one page: no Seq Scan,
//   no bitmap scan, no Sort;
// - a filter matching only a handful of rows (one user, one NIK, one provider id) may instead be
//   fetched through the same index as a bitmap and sorted: PostgreSQL's cheaper plan when the
//   whole match is smaller than a page. There the Sort is bounded by the index condition (filter
//   and keyset bound), never by the table.
// Timings belong to the benchmark suite, not here.
import { DataSource } from 'typeorm';
import { AdminRepository, SubmissionListFilters } from '../../src/admin/admin.repository.js';
import type { KeysetPosition } from '../../src/admin/admin-cursor.js';
import { startTestApp, TestApp } from '../support/app.js';

const ROWS = 50_000;
const PAGE = 21; // what the service asks for with the default limit (20 + 1)
const DEEP = 10_000;

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Index Cond'?: string;
  'Relation Name'?: string;
  'Plan Rows': number;
  Plans?: PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

describe('admin list query plans (EXPLAIN, 50,000 rows, real PostgreSQL)', () => {
  let t: TestApp;
  let ds: DataSource;
  let repo: AdminRepository;
  let nikHash: string;

  beforeAll(async () => {
    t = await startTestApp();
    ds = t.app.get(DataSource);
    repo = t.app.get(AdminRepository);
    // Skewed like production: mostly COMPLETED, a few rare statuses; 100 rows per user in two id
    // types; unique provider ids once initiated; a NIK on completed rows, ~10 rows per NIK.
    await ds.query(
      `INSERT INTO submissions (id, user_id, user_id_type, contact_type, contact_enc, contact_hash, source, status,
                                result, provider_submission_id, nik_hash, created_at)
       SELECT gen_random_uuid(), 'user-' || (g % 500), CASE WHEN g % 3 = 0 THEN 'PHONE_HASH' ELSE 'USER_ID' END,
              'PHONE', 'x', repeat('0', 64), 'SDK', s.status,
              CASE WHEN s.status = 'COMPLETED' THEN (ARRAY['VALID', 'VALID', 'VALID', 'INVALID', 'REJECTED'])[1 + g % 5] END,
              CASE WHEN s.status <> 'INITIATED' THEN 'SUB-' || g END,
              CASE WHEN s.status = 'COMPLETED' THEN md5('nik' || (g % 3500)) || md5('nik2' || (g % 3500)) END,
              '2025-01-01T00:00:00Z'::timestamptz + g * interval '37 seconds' + (g % 7) * interval '1 microsecond'
       FROM generate_series(1, ${ROWS}) g,
       LATERAL (SELECT (ARRAY['COMPLETED', 'COMPLETED', 'COMPLETED', 'COMPLETED', 'COMPLETED', 'COMPLETED',
                              'COMPLETED', 'COMPLETED', 'COMPLETED', 'COMPLETED', 'COMPLETED', 'COMPLETED',
                              'IN_PROGRESS', 'INITIATED', 'EXPIRED', 'EXPIRED', 'ERROR', 'INITIATION_FAILED',
                              'PARTIALLY_COMPLETED', 'COMPLETED'])[1 + g % 20] AS status) s`,
    );
    // One heavy user (two id types) and one heavy NIK: many rows, so only an ordered walk is cheap.
    await ds.query(
      `INSERT INTO submissions (id, user_id, user_id_type, contact_type, contact_enc, contact_hash, source, status,
                                result, provider_submission_id, nik_hash, created_at)
       SELECT gen_random_uuid(), 'user-heavy', CASE WHEN g % 3 = 0 THEN 'PHONE_HASH' ELSE 'USER_ID' END,
              'PHONE', 'x', repeat('0', 64), 'SDK', 'COMPLETED', 'VALID', 'SUB-H' || g, repeat('f', 64),
              '2025-01-01T00:00:00Z'::timestamptz + g * interval '613 seconds'
       FROM generate_series(1, 3000) g`,
    );
    await ds.query(`ANALYZE submissions`);
    const [row] = await ds.query(`SELECT nik_hash FROM submissions WHERE nik_hash IS NOT NULL LIMIT 1`);
    nikHash = row.nik_hash;
  }, 180_000);
  afterAll(async () => {
    await t?.close();
  });

  /** The position `depth` rows into the filtered list (or 80% of it when shorter). */
  async function deepPosition(
    filters: SubmissionListFilters,
  ): Promise<{ at: KeysetPosition; depth: number }> {
    const all = repo.buildListQuery(filters, null, 2 * ROWS);
    const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM (${all.sql}) q`, all.params);
    const depth = Math.max(1, Math.min(DEEP, Math.floor(n * 0.8)));
    const rows = await repo.listSubmissions(filters, null, depth);
    const last = rows[rows.length - 1];
    return { at: { at: last.sort_at, id: last.id }, depth };
  }

  async function plan(filters: SubmissionListFilters, after: KeysetPosition | null): Promise<PlanNode[]> {
    const { sql, params } = repo.buildListQuery(filters, after, PAGE);
    const [{ 'QUERY PLAN': explained }] = await ds.query(`EXPLAIN (FORMAT JSON) ${sql}`, params);
    return nodes(explained[0].Plan);
  }

  type Shape = 'ordered' | 'narrow';
  const cases: [string, () => SubmissionListFilters, Shape, string[] | null][] = [
    ['no filter', () => ({}), 'ordered', ['idx_submissions_created']],
    ['status (common)', () => ({ status: 'COMPLETED' }), 'ordered', null],
    ['status (rare)', () => ({ status: 'PARTIALLY_COMPLETED' }), 'ordered', null],
    ['result', () => ({ result: 'REJECTED' }), 'ordered', null],
    [
      'userId (heavy user)',
      () => ({ userId: 'user-heavy' }),
      'ordered',
      ['idx_submissions_user_any_type_created'],
    ],
    ['userId', () => ({ userId: 'user-42' }), 'narrow', ['idx_submissions_user_any_type_created']],
    [
      'userId and userIdType (heavy user)',
      () => ({ userId: 'user-heavy', userIdType: 'USER_ID' }),
      'ordered',
      ['idx_submissions_user_created'],
    ],
    [
      'userId and userIdType',
      () => ({ userId: 'user-42', userIdType: 'USER_ID' }),
      'narrow',
      ['idx_submissions_user_created', 'idx_submissions_user_any_type_created'],
    ],
    [
      'submissionId',
      () => ({ providerSubmissionId: 'SUB-4242' }),
      'narrow',
      ['idx_submissions_provider_submission'],
    ],
    ['nik (heavy)', () => ({ nikHash: 'f'.repeat(64) }), 'ordered', ['idx_submissions_nik_hash']],
    ['nik', () => ({ nikHash }), 'narrow', ['idx_submissions_nik_hash']],
    [
      'createdFrom and createdTo',
      () => ({ createdFrom: '2025-01-05T00:00:00Z', createdTo: '2025-01-15T23:59:59.999999Z' }),
      'ordered',
      null,
    ],
    [
      'status and createdFrom',
      () => ({ status: 'ERROR', createdFrom: '2025-01-10T00:00:00Z' }),
      'ordered',
      null,
    ],
  ];

  it.each(cases)(
    'should find the rows through an index for %s, first page and deep page',
    async (_name, filters, shape, indexes) => {
      const f = filters();
      const { at } = await deepPosition(f);
      for (const after of [null, at]) {
        const planNodes = await plan(f, after);
        const types = planNodes.map((n) => n['Node Type']);
        expect(types).not.toContain('Seq Scan');
        expect(types).not.toContain('Incremental Sort');
        const scans = planNodes.filter((n) => /Index( Only)? Scan$/.test(n['Node Type']));
        expect(scans).toHaveLength(1);
        if (indexes) expect(indexes).toContain(scans[0]['Index Name']);
        if (after) expect(scans[0]['Index Cond']).toMatch(/ROW\(created_at, id\) < ROW\(/);
        if (shape === 'ordered') {
          expect(types).toEqual(['Limit', 'Index Scan']);
        } else {
          // Either the ordered walk, or a bitmap of the few matching rows sorted in memory.
          const sort = planNodes.find((n) => n['Node Type'] === 'Sort');
          if (sort) expect(scans[0]['Plan Rows']).toBeLessThanOrEqual(200);
          expect(types.filter((t) => !['Limit', 'Sort', 'Bitmap Heap Scan'].includes(t))).toHaveLength(1);
        }
      }
    },
  );

  it('should reach the deep page as cheaply as the first: the keyset bound is an index condition', async () => {
    const { at } = await deepPosition({});
    const { sql, params } = repo.buildListQuery({}, at, PAGE);
    const [{ 'QUERY PLAN': explained }] = await ds.query(
      `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${sql}`,
      params,
    );
    const scan = nodes(explained[0].Plan).find((n) => n['Node Type'] === 'Index Scan') as PlanNode & {
      'Actual Rows': number;
      'Rows Removed by Filter'?: number;
    };
    expect(scan['Index Cond']).toMatch(/ROW\(created_at, id\) < ROW\(/);
    expect(scan['Actual Rows']).toBe(PAGE);
    expect(scan['Rows Removed by Filter'] ?? 0).toBe(0);
  });
});
