// JSON bodies nested thousands of levels deep overflowed the validation's stack (a 500, found by
// the reliability suite's fuzzing); they are refused at parsing with a 400 on every route.
import { startTestApp, TEST_API_KEY, TEST_CALLBACK_SECRET, TestApp } from '../support/app.js';
import { json } from '../support/http.js';

describe('JSON body parsing', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  const post = (path: string, auth: string, body: string) =>
    fetch(`${t.baseUrl}${path}`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body,
    });

  it.each([
    ['objects', '{"a":'.repeat(5000) + '1' + '}'.repeat(5000)],
    ['arrays', '['.repeat(5000) + ']'.repeat(5000)],
  ])('should refuse %s nested 5,000 deep with a 400 problem, not a 500', async (_kind, body) => {
    for (const [path, auth] of [
      ['/v1/verifications', `Bearer ${TEST_API_KEY}`],
      ['/v1/callbacks/onekyc', TEST_CALLBACK_SECRET],
    ]) {
      const res = await post(path, auth, body);
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect((await json(res)).detail).toMatch(/nested too deeply/);
    }
  });

  it('should still parse ordinary bodies and refuse prototype keys', async () => {
    const ok = await post('/v1/verifications', `Bearer ${TEST_API_KEY}`, JSON.stringify({ userId: 'u' }));
    expect(ok.status).toBe(400);
    expect((await json(ok)).detail).toMatch(/Invalid request/);
    const proto = await post(
      '/v1/verifications',
      `Bearer ${TEST_API_KEY}`,
      '{"userId":"u","__proto__":{"polluted":true}}',
    );
    expect(proto.status).toBe(400);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
