// Console sessions over real HTTP on a real database: the admin key exchanged for a cookie
// session, its flags, CSRF and origin checks on writes, expiry, sign-out, the audit trail of a
// reveal made through a session, and the page's own headers.
import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { SubmissionsRepository } from '../../src/submissions/submissions.repository.js';
import { ADMIN_KEY_ID, seedSubmission } from '../admin/admin-fixtures.js';
import { startTestApp, TEST_ADMIN_KEY, TEST_API_KEY, TestApp } from '../support/app.js';
import { bearer, json } from '../support/http.js';
import { buildConsoleAssets, cookiePair, setCookieOf } from './console-support.js';

const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

async function signIn(t: TestApp, key = TEST_ADMIN_KEY, headers: Record<string, string> = {}) {
  const res = await fetch(`${t.baseUrl}/admin/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: t.baseUrl, ...headers },
    body: JSON.stringify({ adminKey: key }),
  });
  return res;
}

async function session(t: TestApp) {
  const res = await signIn(t);
  expect(res.status).toBe(200);
  const body = await json(res);
  return {
    cookie: cookiePair(setCookieOf(res)),
    csrf: body.csrfToken as string,
    body,
    setCookie: setCookieOf(res),
  };
}

describe('Operator console sessions', () => {
  let t: TestApp;
  beforeAll(async () => {
    buildConsoleAssets();
    // The service trusts its proxy (the test itself), so X-Forwarded-Proto can say https.
    t = await startTestApp({ TRUST_PROXY: '127.0.0.1/32' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('exchanges an admin key for an httpOnly, SameSite=Strict cookie; the database keeps only a hash', async () => {
    const s = await session(t);
    // Plain HTTP outside production is local development: no Secure flag (browsers would drop it).
    expect(s.setCookie).toMatch(/^console_session=[A-Za-z0-9_-]{43}; /);
    expect(s.setCookie).toContain('HttpOnly');
    expect(s.setCookie).toContain('SameSite=Strict');
    expect(s.setCookie).toContain('Path=/');
    expect(s.setCookie).toMatch(/Max-Age=\d+/);
    expect(s.setCookie).not.toContain('Secure');
    expect(s.body).toMatchObject({ keyId: ADMIN_KEY_ID, csrfToken: expect.any(String) });
    const token = s.cookie.split('=')[1];
    const rows: { token_hash: string; admin_key_id: string }[] = await t.app
      .get(DataSource)
      .query(`SELECT token_hash, admin_key_id FROM console_sessions WHERE id = $1`, [s.body.id]);
    expect(rows[0].token_hash).toBe(createHash('sha256').update(token).digest('hex'));
    expect(rows[0].admin_key_id).toBe(ADMIN_KEY_ID);
    expect(JSON.stringify(rows)).not.toContain(token);
    expect(JSON.stringify(s.body)).not.toContain(TEST_ADMIN_KEY);
  });

  it('marks the cookie Secure (with the __Host- prefix) on HTTPS, as a TLS proxy reports it', async () => {
    const res = await signIn(t, TEST_ADMIN_KEY, {
      'x-forwarded-proto': 'https',
      origin: t.baseUrl.replace('http:', 'https:'),
    });
    expect(res.status).toBe(200);
    const c = setCookieOf(res);
    expect(c).toMatch(/^__Host-console_session=/);
    expect(c).toContain('; Secure');
    expect(c).toContain('HttpOnly');
    expect(c).toContain('SameSite=Strict');
    // The __Host- cookie is read back like the plain one.
    const stats = await fetch(`${t.baseUrl}/admin/stats`, { headers: { cookie: cookiePair(c) } });
    expect(stats.status).toBe(200);
  });

  it('refuses a wrong key, a partner key, and a sign-in posted from another origin', async () => {
    const wrong = await signIn(t, 'not-a-key');
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    expect((await signIn(t, TEST_API_KEY)).status).toBe(401);
    const foreign = await signIn(t, TEST_ADMIN_KEY, { origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
    expect((await json(foreign)).detail).toMatch(/origin/);
    expect(foreign.headers.get('set-cookie')).toBeNull();
    const empty = await signIn(t, '');
    expect(empty.status).toBe(400);
  });

  it('lets the cookie stand in for the bearer key on reads, and GET /admin/session answers the CSRF token again', async () => {
    const s = await session(t);
    const stats = await fetch(`${t.baseUrl}/admin/stats`, { headers: { cookie: s.cookie } });
    expect(stats.status).toBe(200);
    const again = await json(await fetch(`${t.baseUrl}/admin/session`, { headers: { cookie: s.cookie } }));
    expect(again).toMatchObject({ id: s.body.id, csrfToken: s.csrf });
    expect(
      (
        await fetch(`${t.baseUrl}/admin/stats`, {
          headers: { cookie: 'console_session=forged-token-0123456789abcdef' },
        })
      ).status,
    ).toBe(401);
    expect((await fetch(`${t.baseUrl}/admin/session`)).status).toBe(401);
  });

  it('refuses a write with the cookie but no CSRF token, a wrong one, or from another origin', async () => {
    const s = await session(t);
    const reconcile = (headers: Record<string, string>) =>
      fetch(`${t.baseUrl}/admin/submissions/${UNKNOWN_ID}/reconcile`, {
        method: 'POST',
        headers: { cookie: s.cookie, ...headers },
      });
    const noToken = await reconcile({ origin: t.baseUrl });
    expect(noToken.status).toBe(403);
    expect((await json(noToken)).detail).toContain('x-csrf-token');
    expect((await reconcile({ origin: t.baseUrl, 'x-csrf-token': 'wrong' })).status).toBe(403);
    expect((await reconcile({ origin: 'https://evil.example', 'x-csrf-token': s.csrf })).status).toBe(403);
    // No Origin and no Referer: not provably same-origin, refused.
    expect((await reconcile({ 'x-csrf-token': s.csrf })).status).toBe(403);
    expect((await reconcile({ origin: 'null', 'x-csrf-token': s.csrf })).status).toBe(403);
    expect((await reconcile({ origin: 'http://127.0.0.1:1', 'x-csrf-token': s.csrf })).status).toBe(403);
    // The right token from the console's origin passes the guard (404: no such submission), also
    // as https (a TLS proxy in front) and as a Referer when no Origin is sent.
    expect((await reconcile({ origin: t.baseUrl, 'x-csrf-token': s.csrf })).status).toBe(404);
    const https = t.baseUrl.replace('http:', 'https:');
    expect((await reconcile({ origin: https, 'x-csrf-token': s.csrf })).status).toBe(404);
    expect((await reconcile({ referer: `${t.baseUrl}/console`, 'x-csrf-token': s.csrf })).status).toBe(404);
    // A bearer key needs neither (tools, not browsers).
    const bearerWrite = await fetch(`${t.baseUrl}/admin/submissions/${UNKNOWN_ID}/reconcile`, {
      method: 'POST',
      headers: bearer(TEST_ADMIN_KEY),
    });
    expect(bearerWrite.status).toBe(404);
  });

  it('records reveals made through a session with the key id, the session and the typed reason', async () => {
    const s = await session(t);
    const id = await seedSubmission(t.app.get(SubmissionsRepository), t.app.get(DataSource), {
      status: 'COMPLETED',
      result: 'VALID',
      nik: '3174010101900002',
    });
    const res = await fetch(
      `${t.baseUrl}/admin/submissions/${id}?reveal=true&reason=${encodeURIComponent('Ticket 42: user dispute')}`,
      { headers: { cookie: s.cookie } },
    );
    expect(res.status).toBe(200);
    const log = await json(
      await fetch(`${t.baseUrl}/admin/audit-log?action=reveal&submissionId=${id}`, {
        headers: bearer(TEST_ADMIN_KEY),
      }),
    );
    expect(log.data[0]).toMatchObject({
      action: 'reveal',
      actorKind: 'admin',
      actorId: ADMIN_KEY_ID,
      submissionId: id,
      detail: { reason: 'Ticket 42: user dispute', consoleSessionId: s.body.id },
    });
    const noReason = await fetch(`${t.baseUrl}/admin/submissions/${id}?reveal=true`, {
      headers: { cookie: s.cookie },
    });
    expect(noReason.status).toBe(400);
    expect((await json(noReason)).errors[0]).toMatchObject({ field: 'reason' });
    const blank = await fetch(`${t.baseUrl}/admin/submissions/${id}?reveal=true&reason=%20`, {
      headers: { cookie: s.cookie },
    });
    expect(blank.status).toBe(400);
    expect((await json(blank)).errors[0].field).toBe('reason');
  });

  it('signs out: needs the CSRF token, ends the session at once and clears the cookie', async () => {
    const s = await session(t);
    const forged = await fetch(`${t.baseUrl}/admin/session`, {
      method: 'DELETE',
      headers: { cookie: s.cookie, origin: t.baseUrl },
    });
    expect(forged.status).toBe(403);
    expect((await fetch(`${t.baseUrl}/admin/stats`, { headers: { cookie: s.cookie } })).status).toBe(200);
    const out = await fetch(`${t.baseUrl}/admin/session`, {
      method: 'DELETE',
      headers: { cookie: s.cookie, origin: t.baseUrl, 'x-csrf-token': s.csrf },
    });
    expect(out.status).toBe(204);
    expect(setCookieOf(out)).toMatch(/^console_session=; .*Max-Age=0/);
    const after = await fetch(`${t.baseUrl}/admin/stats`, { headers: { cookie: s.cookie } });
    expect(after.status).toBe(401);
    expect((await json(after)).detail).toMatch(/ended or expired/);
  });

  it('serves the page with a strict Content-Security-Policy and its assets, nothing else', async () => {
    const page = await fetch(`${t.baseUrl}/console`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    const html = await page.text();
    expect(html).not.toMatch(/<script>|<style|style=/);
    expect(html).not.toMatch(/https?:\/\//);
    const js = await fetch(`${t.baseUrl}/console/assets/app.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toContain('javascript');
    expect(js.headers.get('content-security-policy')).toBe(csp);
    expect((await fetch(`${t.baseUrl}/console/assets/..%2Fpackage.json`)).status).toBe(404);
    expect((await fetch(`${t.baseUrl}/console/assets/other.js`)).status).toBe(404);
  });
});

describe('Operator console sessions: expiry and CONSOLE_ENABLED=false', () => {
  it('ends an idle session after CONSOLE_SESSION_TTL_SECONDS', async () => {
    const t = await startTestApp({ CONSOLE_SESSION_TTL_SECONDS: '2' });
    try {
      const s = await session(t);
      expect((await fetch(`${t.baseUrl}/admin/stats`, { headers: { cookie: s.cookie } })).status).toBe(200);
      await new Promise((r) => setTimeout(r, 2300));
      const expired = await fetch(`${t.baseUrl}/admin/stats`, { headers: { cookie: s.cookie } });
      expect(expired.status).toBe(401);
      expect((await json(expired)).detail).toMatch(/ended or expired/);
    } finally {
      await t.close();
    }
  });

  it('slows down key guessing: 429 with Retry-After after 10 failed sign-ins from one address', async () => {
    const t = await startTestApp();
    try {
      for (let i = 0; i < 10; i++) expect((await signIn(t, `guess-${i}`)).status).toBe(401);
      const blocked = await signIn(t);
      expect(blocked.status).toBe(429);
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(blocked.headers.get('set-cookie')).toBeNull();
      // Bearer keys are not affected (the brake is on the console's sign-in only).
      expect((await fetch(`${t.baseUrl}/admin/stats`, { headers: bearer(TEST_ADMIN_KEY) })).status).toBe(200);
    } finally {
      await t.close();
    }
  });

  it('turns off the page and the sessions, and ignores session cookies', async () => {
    const t = await startTestApp({ CONSOLE_ENABLED: 'false' });
    try {
      expect((await fetch(`${t.baseUrl}/console`)).status).toBe(404);
      expect((await signIn(t)).status).toBe(404);
      const res = await fetch(`${t.baseUrl}/admin/stats`, {
        headers: { cookie: 'console_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
      });
      expect(res.status).toBe(401);
      expect((await json(res)).detail).toMatch(/Missing bearer token/);
      expect((await fetch(`${t.baseUrl}/admin/stats`, { headers: bearer(TEST_ADMIN_KEY) })).status).toBe(200);
    } finally {
      await t.close();
    }
  });
});
