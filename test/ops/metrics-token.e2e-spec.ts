// METRICS_TOKEN: when set, /metrics answers only to it as a bearer token.
import { startTestApp, TestApp } from '../support/app.js';

describe('/metrics with METRICS_TOKEN', () => {
  const token = 'metrics-token-for-tests-0123456789abcdef';
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ METRICS_TOKEN: token });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('refuses without the token or with another one (401 problem), answers with it', async () => {
    const attempts: Record<string, string>[] = [
      {},
      { authorization: 'Bearer wrong' },
      { authorization: token },
    ];
    for (const headers of attempts) {
      const res = await fetch(`${t.baseUrl}/metrics`, { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(await res.text()).not.toContain(token);
    }
    expect((await fetch(`${t.baseUrl}/metrics?x=1`)).status).toBe(401);
    const ok = await fetch(`${t.baseUrl}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('process_cpu_user_seconds_total');
  });

  it('leaves the other routes alone', async () => {
    expect((await fetch(`${t.baseUrl}/health/live`)).status).toBe(200);
  });
});

describe('/metrics without METRICS_TOKEN', () => {
  it('is open, as before', async () => {
    const t = await startTestApp();
    try {
      expect((await fetch(`${t.baseUrl}/metrics`)).status).toBe(200);
    } finally {
      await t.close();
    }
  });
});
