// Scenario 6, security checks against the built service: wrong, missing and rotated credentials on
// every route group; the callback IP allow-list with and without TRUST_PROXY (a spoofed
// X-Forwarded-For must not help when the service does not sit behind a proxy); constant-time
// secret comparison (in the code, plus a rough timing figure that is reported, never asserted);
// helmet's security headers on answers of every kind; `npm audit` of production dependencies;
// the data-rights routes (identity reads, erasures, the audit log) refused to every other kind of
// caller, end-user tokens included.
// The scan of logs and tables for personal data and secrets runs last (99-leak-scan.rel-spec.ts).
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { SignJWT } from 'jose';
import { createDatabase, dumpTables, sharedAdminUrl } from './support/postgres.js';
import { SandboxProcess, ServiceProcess } from './support/processes.js';
import { Answer, isProblem, percentile, send } from './support/http.js';
import { Recorder } from './support/results.js';
import { recordSensitive } from './support/run-dir.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

// Rotation: two values of each credential are valid at once.
const PARTNER_KEYS = ['sec-partner-old-6c1e9d-0a3f5b7c9e1d', 'sec-partner-new-2a7f4b-8c0e2a4d6f1b'];
const ADMIN_KEYS = ['sec-admin-old-9b3d1f-5c7e9a1b3d5f7', 'sec-admin-new-4e8c2a-6d8f0b2c4e6a8'];
const CALLBACK_VALUES = [
  'Bearer sec-callback-old-7d2e-3a5c7e9b1d3f5a',
  'Bearer sec-callback-new-1f9a-4b6d8f0a2c4e6b',
];
const UNKNOWN_SESSION = '0b5e6b1e-5ec0-4000-8000-000000000006';
const IDENTITY_KEYS = ['sec-identity-old-5d8e2c-7a9c1e3b5d7f', 'sec-identity-new-8b1f6a-0c2e4a6b8d0f'];
const USER_JWT = {
  secret: 'sec-user-jwt-secret-of-32-bytes-at-least',
  issuer: 'https://login.security.example',
  audience: 'onekyc-security',
};

/** An end-user token as the partner's login would issue it (HS256, this deployment's secret). */
async function userToken(
  over: { sub?: string; iss?: string; exp?: number; secret?: string } = {},
): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(over.sub ?? 'sec-end-user')
    .setIssuer(over.iss ?? USER_JWT.issuer)
    .setAudience(USER_JWT.audience)
    .setExpirationTime(over.exp ?? Math.floor(Date.now() / 1000) + 300)
    .sign(new TextEncoder().encode(over.secret ?? USER_JWT.secret));
}

const callbackBody = {
  submissionId: 'sec-sub-1',
  partnerSessionId: UNKNOWN_SESSION,
  userId: 'sec-user',
  userIdType: 'USER_ID',
  status: 'IN_PROGRESS',
};

describe('scenario 6: security checks', () => {
  const rec = new Recorder('6-security', '6. Security checks');
  let sandbox: SandboxProcess;
  let dbUrl: string;
  /** Allow-list 127.0.0.1/32, TRUST_PROXY off: rotation and the credential matrix. */
  let open: ServiceProcess;
  /** Allow-list 203.0.113.0/24 (not us), TRUST_PROXY off: a spoofed X-Forwarded-For must not get in. */
  let strict: ServiceProcess;
  /** Allow-list 203.0.113.0/24, TRUST_PROXY on: X-Forwarded-For is the caller. */
  let proxied: ServiceProcess;
  const probes: { name: string; a: Answer }[] = [];
  let checks = 0;

  const env = (extra: Record<string, string>) => ({
    API_KEYS: PARTNER_KEYS.join(','),
    ADMIN_API_KEYS: ADMIN_KEYS.join(','),
    CALLBACK_AUTH_VALUES: CALLBACK_VALUES.join(','),
    IDENTITY_API_KEYS: IDENTITY_KEYS.join(','),
    USER_JWT_SECRET: USER_JWT.secret,
    USER_JWT_ISSUER: USER_JWT.issuer,
    USER_JWT_AUDIENCE: USER_JWT.audience,
    RECONCILE_ENABLED: 'false',
    ...extra,
  });

  beforeAll(async () => {
    recordSensitive(
      'key',
      ...PARTNER_KEYS,
      ...ADMIN_KEYS,
      ...CALLBACK_VALUES,
      ...IDENTITY_KEYS,
      USER_JWT.secret,
    );
    dbUrl = await createDatabase(sharedAdminUrl(), 'rel_security');
    sandbox = await SandboxProcess.start('security');
    const opts = { databaseUrl: dbUrl, providerUrl: sandbox.url, tokenUrl: sandbox.tokenUrl };
    open = await ServiceProcess.start('security-open', {
      ...opts,
      env: env({ CALLBACK_ALLOWED_IPS: '127.0.0.1/32' }),
    });
    [strict, proxied] = await Promise.all([
      ServiceProcess.start('security-strict', {
        ...opts,
        env: env({ CALLBACK_ALLOWED_IPS: '203.0.113.0/24' }),
      }),
      ServiceProcess.start('security-proxied', {
        ...opts,
        env: env({ CALLBACK_ALLOWED_IPS: '203.0.113.0/24', TRUST_PROXY: '127.0.0.1/32' }),
      }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([open, strict, proxied].map((s) => s?.stop()));
    await sandbox?.stop();
    if (dbUrl) await dumpTables(dbUrl, 'security').catch(() => undefined);
    const fiveXx = probes.filter((p) => p.a.status >= 500 || p.a.status === 0);
    rec.set({
      load: `${probes.length} probes against 3 service processes (allow-list and TRUST_PROXY variants)`,
      faults: 'wrong, missing, rotated and cross-group credentials; spoofed X-Forwarded-For',
      inputs: probes.length,
      acknowledged: 0,
      lost: 0,
      badInput5xx: fiveXx.length,
    });
    rec.figure('checks that held', checks);
  });

  async function probe(
    name: string,
    method: string,
    url: string,
    headers: Record<string, string>,
    body?: unknown,
  ): Promise<Answer> {
    const a = await send(method, url, { headers, body, timeoutMs: 15_000 });
    probes.push({ name, a });
    return a;
  }

  function expectStatus(name: string, a: Answer, status: number): void {
    checks++;
    rec.check(a.status === status, `${name}: expected ${status}, got ${a.status}`);
    expect({ name, status: a.status }).toEqual({ name, status });
    if (status >= 400) expect(isProblem(a)).toBe(true);
  }

  it('should refuse missing, wrong and cross-group credentials and accept both rotated ones, on every route group', async () => {
    const base = open.baseUrl;
    const partnerRoutes: [string, string, unknown?][] = [
      ['GET', '/v1/verifications?userId=nobody'],
      ['GET', `/v1/verifications/${UNKNOWN_SESSION}`],
      ['POST', '/v1/verifications', {}],
    ];
    const adminRoutes: [string, string][] = [
      ['GET', '/admin/submissions'],
      ['GET', `/admin/submissions/${UNKNOWN_SESSION}`],
      ['POST', `/admin/submissions/${UNKNOWN_SESSION}/reconcile`],
      ['GET', '/admin/stats'],
      ['GET', '/admin/callbacks/unmatched'],
    ];
    const wrong = (k: string) => [
      `Bearer ${k}x`,
      `Bearer ${k.slice(0, -1)}`,
      `Basic ${Buffer.from(`${k}:`).toString('base64')}`,
      k,
      'Bearer ',
      '',
    ];
    for (const [m, p, b] of partnerRoutes) {
      const none = await probe(`${m} ${p} without a key`, m, base + p, {}, b);
      expectStatus(`${m} ${p} without a key`, none, 401);
      expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
      for (const h of [...wrong(PARTNER_KEYS[0]), `Bearer ${ADMIN_KEYS[0]}`]) {
        expectStatus(
          `${m} ${p} with ${h ? 'a wrong key' : 'an empty header'}`,
          await probe(`${m} ${p} wrong`, m, base + p, h ? { authorization: h } : {}, b),
          401,
        );
      }
      for (const k of PARTNER_KEYS) {
        const ok = await probe(`${m} ${p} rotated key`, m, base + p, { authorization: `Bearer ${k}` }, b);
        checks++;
        expect(ok.status, `${m} ${p} with a valid partner key`).not.toBe(401);
      }
    }
    for (const [m, p] of adminRoutes) {
      expectStatus(`${m} ${p} without a key`, await probe(`${m} ${p} none`, m, base + p, {}), 401);
      for (const h of [...wrong(ADMIN_KEYS[1]), `Bearer ${PARTNER_KEYS[0]}`]) {
        expectStatus(
          `${m} ${p} with a wrong key`,
          await probe(`${m} ${p} wrong`, m, base + p, h ? { authorization: h } : {}),
          401,
        );
      }
      for (const k of ADMIN_KEYS) {
        const ok = await probe(`${m} ${p} rotated key`, m, base + p, { authorization: `Bearer ${k}` });
        checks++;
        expect(ok.status, `${m} ${p} with a valid admin key`).not.toBe(401);
        expect(ok.status).toBeLessThan(500);
      }
    }
    const cb = `${base}/v1/callbacks/onekyc`;
    for (const method of ['POST', 'PUT', 'PATCH']) {
      expectStatus(
        `${method} callback without credential`,
        await probe('cb none', method, cb, {}, callbackBody),
        401,
      );
      for (const h of [
        'Bearer sec-callback-old-7d2',
        'Bearer sec-callback-older-7d2e',
        CALLBACK_VALUES[0].toUpperCase(),
        `Bearer ${PARTNER_KEYS[0]}`,
        `Bearer ${ADMIN_KEYS[0]}`,
      ]) {
        expectStatus(
          `${method} callback with a wrong credential`,
          await probe('cb wrong', method, cb, { authorization: h }, callbackBody),
          401,
        );
      }
      for (const v of CALLBACK_VALUES) {
        expectStatus(
          `${method} callback with a rotated credential`,
          await probe('cb ok', method, cb, { authorization: v }, callbackBody),
          200,
        );
      }
    }
    // Operations endpoints are public by contract: they answer without credentials and leak none.
    for (const p of ['/health/live', '/health/ready', '/metrics', '/docs-json']) {
      const a = await probe(`${p} public`, 'GET', base + p, {});
      expectStatus(`${p} without credentials`, a, 200);
      for (const secret of [...PARTNER_KEYS, ...ADMIN_KEYS, ...CALLBACK_VALUES])
        expect(a.body.includes(secret)).toBe(false);
    }
  });

  it('should keep identity reads, erasures and the audit log to their callers, end-user tokens included', async () => {
    const base = open.baseUrl;
    const user = `Bearer ${await userToken()}`;
    const identity = `/v1/verifications/${UNKNOWN_SESSION}/identity`;
    const as = (name: string, m: string, p: string, auth: string | null, body?: unknown) =>
      probe(name, m, base + p, auth ? { authorization: auth } : {}, body);

    // The identity route: identity keys only (an unknown id is then a plain 404).
    expectStatus('identity without a key', await as('id none', 'GET', identity, null), 401);
    expectStatus(
      'identity with a partner key',
      await as('id partner', 'GET', identity, `Bearer ${PARTNER_KEYS[0]}`),
      403,
    );
    expectStatus('identity with an end-user token', await as('id user', 'GET', identity, user), 403);
    expectStatus(
      'identity with an admin key',
      await as('id admin', 'GET', identity, `Bearer ${ADMIN_KEYS[0]}`),
      401,
    );
    for (const k of IDENTITY_KEYS) {
      expectStatus(
        'identity with a rotated identity key',
        await as('id ok', 'GET', identity, `Bearer ${k}`),
        404,
      );
    }

    // Erasures and the audit log: admin keys only; an end-user token is recognised and refused.
    const erasure = { userId: 'sec-nobody', reason: 'security scenario' };
    for (const [m, p, b, ok] of [
      ['POST', '/admin/erasures', erasure, 200],
      ['GET', '/admin/audit-log', undefined, 200],
    ] as const) {
      expectStatus(`${m} ${p} without a key`, await as('dr none', m, p, null, b), 401);
      expectStatus(
        `${m} ${p} with a partner key`,
        await as('dr partner', m, p, `Bearer ${PARTNER_KEYS[1]}`, b),
        401,
      );
      expectStatus(
        `${m} ${p} with an identity key`,
        await as('dr identity', m, p, `Bearer ${IDENTITY_KEYS[0]}`, b),
        401,
      );
      expectStatus(`${m} ${p} with an end-user token`, await as('dr user', m, p, user, b), 403);
      expectStatus(
        `${m} ${p} with an admin key`,
        await as('dr admin', m, p, `Bearer ${ADMIN_KEYS[1]}`, b),
        ok,
      );
    }
    expectStatus(
      'erasure without a reason',
      await as('dr no reason', 'POST', '/admin/erasures', `Bearer ${ADMIN_KEYS[0]}`, { userId: 'x' }),
      400,
    );

    // End-user tokens: a forged or stale one is a 401; a valid one sees only its user.
    const now = Math.floor(Date.now() / 1000);
    for (const [name, tok] of [
      ['expired', await userToken({ exp: now - 600 })],
      ['another issuer', await userToken({ iss: 'https://evil.example' })],
      ['another secret', await userToken({ secret: 'x'.repeat(40) })],
      [
        'alg none',
        `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"a"}').toString('base64url')}.`,
      ],
    ]) {
      expectStatus(
        `user token: ${name}`,
        await as(`user ${name}`, 'GET', '/v1/verifications', `Bearer ${tok}`),
        401,
      );
    }
    expectStatus('user token lists its own', await as('user list', 'GET', '/v1/verifications', user), 200);
    expectStatus(
      "user token naming another user's list",
      await as('user other', 'GET', '/v1/verifications?userId=someone-else', user),
      403,
    );
    expectStatus(
      'user token reading an id it does not own',
      await as('user read', 'GET', `/v1/verifications/${UNKNOWN_SESSION}`, user),
      404,
    );
    expectStatus(
      'user token starting a verification for another user',
      await as('user post', 'POST', '/v1/verifications', user, {
        userId: 'someone-else',
        phoneNumber: '628123456789',
        verification: { isVerified: true, verificationReferenceId: 'sec-otp' },
      }),
      403,
    );
  });

  it('should check the caller IP against CALLBACK_ALLOWED_IPS, trusting X-Forwarded-For only with TRUST_PROXY', async () => {
    const post = (s: ServiceProcess, name: string, headers: Record<string, string>) =>
      probe(
        name,
        'POST',
        `${s.baseUrl}/v1/callbacks/onekyc`,
        { authorization: CALLBACK_VALUES[1], ...headers },
        callbackBody,
      );
    // Allowed peer (loopback), proxy not trusted: a forged X-Forwarded-For changes nothing.
    expectStatus(
      'loopback allowed, spoofed XFF ignored',
      await post(open, 'open xff', { 'x-forwarded-for': '198.51.100.7' }),
      200,
    );
    // Peer not allowed, proxy not trusted: a forged X-Forwarded-For naming an allowed IP must not help.
    expectStatus('not allowed, no XFF', await post(strict, 'strict', {}), 403);
    expectStatus(
      'not allowed, spoofed XFF of an allowed IP',
      await post(strict, 'strict xff', { 'x-forwarded-for': '203.0.113.5' }),
      403,
    );
    expectStatus(
      'not allowed, spoofed X-Real-IP',
      await post(strict, 'strict real-ip', { 'x-real-ip': '203.0.113.5' }),
      403,
    );
    // The IP is checked before the credential: a caller outside the list learns nothing about it.
    expectStatus(
      'not allowed, wrong credential: 403 first',
      await post(strict, 'strict wrong', { authorization: 'Bearer nope' }),
      403,
    );
    // Behind a trusted proxy, X-Forwarded-For is the caller.
    expectStatus(
      'trusted proxy, allowed XFF',
      await post(proxied, 'proxied ok', { 'x-forwarded-for': '203.0.113.5' }),
      200,
    );
    expectStatus(
      'trusted proxy, allowed XFF, wrong credential',
      await post(proxied, 'proxied wrong', {
        'x-forwarded-for': '203.0.113.5',
        authorization: 'Bearer nope',
      }),
      401,
    );
    expectStatus(
      'trusted proxy, other XFF',
      await post(proxied, 'proxied other', { 'x-forwarded-for': '198.51.100.7' }),
      403,
    );
    expectStatus('trusted proxy, no XFF (the proxy itself)', await post(proxied, 'proxied none', {}), 403);
    rec.figure('allow-list cases (TRUST_PROXY off / on)', '5 / 4, all as expected');
  });

  it('should compare every secret in constant time (crypto.timingSafeEqual through src/common/secrets.ts)', async () => {
    const src = (p: string) => readFileSync(join(repo, 'src', p), 'utf8');
    const secrets = src('common/secrets.ts');
    expect(secrets).toMatch(/import \{[^}]*timingSafeEqual[^}]*\} from 'node:crypto'/);
    expect(secrets).toMatch(/export class SecretSet[\s\S]*match\(presented[\s\S]*timingSafeEqual\(/);
    for (const guard of ['partner-auth/admin-key.guard.ts', 'callbacks/callback-auth.guard.ts']) {
      const code = src(guard);
      expect(code, guard).toMatch(/new SecretSet\(/);
      expect(code, guard).toMatch(/\.match\(presented\)/);
      // No shortcut comparison of a presented secret anywhere in the guard.
      for (const shortcut of [
        /\bpresented\s*[!=]==?(?!=)\s*(?!\s|undefined\b|null\b)/,
        /(===|!==|==|!=)\s*presented\b/,
        /\baccepted\s*(===|!==|==|!=)/,
        /\baccepted\.(includes|indexOf|find|some|filter)\(/,
        /\b(keys|accepted)\.(digests|ids)\.(includes|indexOf|find|some|filter)\(/,
      ]) {
        expect(code, `${guard} ${shortcut}`).not.toMatch(shortcut);
      }
      checks += 4;
    }
    // A rough timing figure, reported only (timed assertions flake on a shared machine).
    const timeIt = async (auth: string) => {
      const ms: number[] = [];
      for (let i = 0; i < 150; i++)
        ms.push((await probe('timing', 'GET', `${open.baseUrl}/admin/stats`, { authorization: auth })).ms);
      return percentile(ms, 50);
    };
    const near = await timeIt(`Bearer ${ADMIN_KEYS[0].slice(0, -1)}Z`);
    const far = await timeIt('Bearer Z');
    rec.figure(
      '401 median latency: near-miss key / far-miss key (ms, reported only)',
      `${near.toFixed(2)} / ${far.toFixed(2)}`,
    );
  });

  it('should refuse to start in production with unsafe settings, naming every problem at once', async () => {
    const run = promisify(execFile);
    // .env.example as a first deployment might load it, with no DATABASE_URL: nothing may start.
    const example: Record<string, string> = {};
    for (const line of readFileSync(join(repo, '.env.example'), 'utf8').split('\n')) {
      const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
      if (m) example[m[1]] = m[2].replace(/^'(.*)'$/, '$1');
    }
    const attempts: { name: string; env: Record<string, string>; variables: string[] }[] = [
      {
        name: '.env.example as-is, DATABASE_URL unset',
        env: example,
        variables: [
          'DATABASE_URL',
          'API_KEYS',
          'ADMIN_API_KEYS',
          'CALLBACK_AUTH_VALUES',
          'PII_ENCRYPTION_KEYS',
        ],
      },
      {
        name: 'short, placeholder and sandbox secrets, hex PII key',
        env: {
          ...example,
          DATABASE_URL: dbUrl,
          API_KEYS: 'short-partner-key',
          ADMIN_API_KEYS: 'sandbox-admin-key',
          IDENTITY_API_KEYS: 'changeme-identity-key-long-enough-to-pass-length',
          METRICS_TOKEN: 'metrics',
          CALLBACK_AUTH_VALUES: 'Bearer short',
          PII_ENCRYPTION_KEYS: `k1:${'ab'.repeat(32)}`,
        },
        variables: [
          'API_KEYS',
          'ADMIN_API_KEYS',
          'IDENTITY_API_KEYS',
          'METRICS_TOKEN',
          'CALLBACK_AUTH_VALUES',
          'PII_ENCRYPTION_KEYS',
        ],
      },
    ];
    for (const a of attempts) {
      let code = 0;
      let output = '';
      try {
        const r = await run(process.execPath, [join(repo, 'dist', 'main.js')], {
          env: { PATH: process.env.PATH!, NODE_ENV: 'production', PORT: '0', ...a.env },
          timeout: 30_000,
        });
        output = r.stdout + r.stderr;
      } catch (err) {
        const e = err as { code?: number; stdout?: string; stderr?: string };
        code = typeof e.code === 'number' ? e.code : -1;
        output = `${e.stdout ?? ''}${e.stderr ?? ''}`;
      }
      expect(code, a.name).toBe(1);
      for (const v of a.variables) expect(output, `${a.name}: ${v}`).toContain(`- ${v}:`);
      expect(output, a.name).toContain('openssl rand -base64 32');
      expect(output, a.name).not.toMatch(/listening on/);
      checks += a.variables.length + 2;
    }
    rec.figure('unsafe production configurations refused at start (problems named)', '2 (5 and 6)');
  });

  it('should send helmet security headers on answers of every kind', async () => {
    const answers = [
      await probe('headers live', 'GET', `${open.baseUrl}/health/live`, {}),
      await probe('headers 401', 'GET', `${open.baseUrl}/admin/stats`, {}),
      await probe('headers 404', 'GET', `${open.baseUrl}/no/such/route`, {}),
      await probe(
        'headers 400',
        'POST',
        `${open.baseUrl}/v1/verifications`,
        { authorization: `Bearer ${PARTNER_KEYS[0]}` },
        { bad: 1 },
      ),
      await probe('headers docs', 'GET', `${open.baseUrl}/docs-json`, {}),
      await probe('headers 403', 'POST', `${strict.baseUrl}/v1/callbacks/onekyc`, {}, callbackBody),
    ];
    for (const a of answers) {
      const h = a.headers;
      expect(h.get('x-content-type-options')).toBe('nosniff');
      expect(h.get('x-frame-options')).toBe('SAMEORIGIN');
      expect(h.get('strict-transport-security')).toMatch(/max-age=\d+/);
      expect(h.get('content-security-policy')).toMatch(/default-src 'self'/);
      expect(h.get('referrer-policy')).toBe('no-referrer');
      expect(h.get('cross-origin-opener-policy')).toBe('same-origin');
      expect(h.get('x-dns-prefetch-control')).toBe('off');
      expect(h.get('x-powered-by')).toBeNull();
      expect(h.get('x-request-id')).toBeTruthy();
      checks += 9;
    }
    rec.figure('answers checked for security headers', `${answers.length} (200, 400, 401, 403, 404, docs)`);
  });

  it('should have no high or critical advisory in production dependencies (npm audit --omit=dev)', async (ctx) => {
    const run = promisify(execFile);
    let out = '';
    try {
      out = (
        await run('npm', ['audit', '--omit=dev', '--json'], {
          cwd: repo,
          timeout: 90_000,
          maxBuffer: 16 * 1024 * 1024,
        })
      ).stdout;
    } catch (err) {
      out = (err as { stdout?: string }).stdout ?? '';
    }
    let report: { metadata?: { vulnerabilities?: Record<string, number> }; error?: { summary?: string } } =
      {};
    try {
      report = JSON.parse(out);
    } catch {
      /* not JSON: the audit endpoint did not answer */
    }
    const v = report.metadata?.vulnerabilities;
    if (!v) {
      rec.figure(
        'npm audit --omit=dev',
        `not run: the registry's audit endpoint did not answer (${(report.error?.summary || 'no report').slice(0, 80)})`,
      );
      ctx.skip();
      return;
    }
    rec.figure('npm audit --omit=dev (high / critical)', `${v.high ?? 0} / ${v.critical ?? 0}`);
    expect({ high: v.high ?? 0, critical: v.critical ?? 0 }).toEqual({ high: 0, critical: 0 });
  });
});
