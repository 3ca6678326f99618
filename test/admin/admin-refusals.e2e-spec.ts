// What the admin API refuses, and how: 401 without an admin key, 400 problem+json naming the
// parameter for bad input and foreign or forged cursors, 404 for an unknown submission.
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { SubmissionsRepository } from '../../src/submissions/submissions.repository.js';
import { startTestApp, TEST_API_KEY, TestApp } from '../support/app.js';
import { bearer, json } from '../support/http.js';
import { get, seedSubmission } from './admin-fixtures.js';

const ROUTES = [
  '/admin/submissions',
  `/admin/submissions/${randomUUID()}`,
  '/admin/stats',
  '/admin/callbacks/unmatched',
];

describe('admin API: refusals (real app, real PostgreSQL)', () => {
  let t: TestApp;
  let repo: SubmissionsRepository;
  let ds: DataSource;
  let someId: string;

  beforeAll(async () => {
    t = await startTestApp();
    repo = t.app.get(SubmissionsRepository);
    ds = t.app.get(DataSource);
    for (let i = 0; i < 3; i++)
      someId = await seedSubmission(repo, ds, { status: 'COMPLETED', userId: 'user-r' });
  });
  afterAll(async () => {
    await t?.close();
  });

  async function expectProblem(res: Response, status: number) {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const body = await json(res);
    expect(body).toMatchObject({ status });
    return body;
  }

  /** The fields a 400 names. */
  async function badFields(path: string): Promise<string[]> {
    const body = await expectProblem(await get(t, path), 400);
    const fields: string[] = (body.errors ?? []).map((e: { field: string }) => e.field);
    for (const f of fields) expect(body.detail).toContain(f);
    return [...new Set(fields)].sort();
  }

  it.each(ROUTES)('should refuse %s without a key (401)', async (route) => {
    const body = await expectProblem(await fetch(`${t.baseUrl}${route}`), 401);
    expect(body.detail).toMatch(/bearer/i);
  });

  it.each(ROUTES)('should refuse %s with a partner key (401)', async (route) => {
    const res = await get(t, route, bearer(TEST_API_KEY));
    const body = await expectProblem(res, 401);
    expect(body.detail).toMatch(/admin key/);
    expect(res.headers.get('www-authenticate')).toContain('realm="admin"');
  });

  it.each(ROUTES)(
    'should refuse %s with a wrong key (401), checking the key before the parameters',
    async (route) => {
      await expectProblem(await get(t, `${route}?limit=0`, bearer('not-a-key')), 401);
    },
  );

  it.each([
    ['status=DONE', ['status']],
    ['status=', ['status']],
    ['status=COMPLETED&status=ERROR', ['status']],
    ['result=MAYBE', ['result']],
    ['limit=0', ['limit']],
    ['limit=101', ['limit']],
    ['limit=abc', ['limit']],
    ['limit=2.5', ['limit']],
    ['createdFrom=yesterday', ['createdFrom']],
    ['createdFrom=2025-13-01', ['createdFrom']],
    ['createdFrom=2025-02-30', ['createdFrom']],
    ['createdTo=2025-01-01T10:00:00', ['createdTo']],
    ['createdFrom=2025-02-01&createdTo=2025-01-31', ['createdTo']],
    ['userIdType=USER_ID', ['userIdType']],
    ['nik=1234', ['nik']],
    ['nik=32082018O8850001', ['nik']],
    [`userId=${'x'.repeat(129)}`, ['userId']],
    ['foo=1', ['foo']],
    ['status=DONE&limit=500&sort=asc', ['limit', 'sort', 'status']],
  ])('should refuse the list with %s, naming %j', async (query, fields) => {
    expect(await badFields(`/admin/submissions?${query}`)).toEqual(fields);
  });

  it('should refuse a forged cursor (400 naming cursor)', async () => {
    const page = await json(await get(t, '/admin/submissions?limit=1'));
    expect(page.nextCursor).toEqual(expect.any(String));
    const [body, tag] = page.nextCursor.split('.');
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    payload.i = randomUUID();
    const forged = `${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${tag}`;
    for (const cursor of [forged, 'not-a-cursor', `${body}.AAAA`, 'a.b.c']) {
      expect(await badFields(`/admin/submissions?cursor=${encodeURIComponent(cursor)}`)).toEqual(['cursor']);
    }
  });

  it('should refuse a cursor replayed against other filters or another list', async () => {
    const page = await json(await get(t, '/admin/submissions?limit=1&status=COMPLETED'));
    const cursor = encodeURIComponent(page.nextCursor);
    expect((await get(t, `/admin/submissions?status=COMPLETED&cursor=${cursor}`)).status).toBe(200);
    expect((await get(t, `/admin/submissions?status=COMPLETED&limit=5&cursor=${cursor}`)).status).toBe(200);
    const body = await expectProblem(await get(t, `/admin/submissions?status=ERROR&cursor=${cursor}`), 400);
    expect(body.errors).toEqual([{ field: 'cursor', message: expect.stringMatching(/other filters/) }]);
    await expectProblem(await get(t, `/admin/submissions?cursor=${cursor}`), 400);
    await expectProblem(await get(t, `/admin/callbacks/unmatched?cursor=${cursor}`), 400);
  });

  it('should refuse a submission id that is not a UUID (400 naming id)', async () => {
    for (const id of ['123', 'not-a-uuid', `${someId}x`, "1' OR '1'='1"]) {
      const body = await expectProblem(await get(t, `/admin/submissions/${encodeURIComponent(id)}`), 400);
      expect(body.errors).toEqual([{ field: 'id', message: 'id must be a UUID' }]);
    }
  });

  it('should answer 404 for an unknown submission, with or without reveal, auditing nothing', async () => {
    const id = randomUUID();
    const body = await expectProblem(await get(t, `/admin/submissions/${id}`), 404);
    expect(body.detail).toContain(id);
    await expectProblem(await get(t, `/admin/submissions/${id}?reveal=true`), 404);
    expect(await ds.query(`SELECT * FROM admin_audit_log`)).toHaveLength(0);
  });

  it('should refuse bad detail parameters', async () => {
    expect(await badFields(`/admin/submissions/${someId}?reveal=yes`)).toEqual(['reveal']);
    expect(await badFields(`/admin/submissions/${someId}?fields=all`)).toEqual(['fields']);
    expect(await ds.query(`SELECT * FROM admin_audit_log`)).toHaveLength(0);
  });

  it('should refuse bad unmatched-callback parameters', async () => {
    expect(await badFields('/admin/callbacks/unmatched?limit=0')).toEqual(['limit']);
    expect(await badFields('/admin/callbacks/unmatched?includeResolved=maybe')).toEqual(['includeResolved']);
    expect(await badFields('/admin/callbacks/unmatched?status=COMPLETED')).toEqual(['status']);
    expect(await badFields('/admin/callbacks/unmatched?cursor=abc.def')).toEqual(['cursor']);
  });

  it('should refuse parameters on stats', async () => {
    expect(await badFields('/admin/stats?verbose=1')).toEqual(['verbose']);
  });
});
