// Scenario 6, security checks against the built service: wrong, missing and rotated credentials on
// every route group; the callback IP allow-list with and without TRUST_PROXY (a spoofed
// X-Forwarded-For must not help when the service does not sit behind a proxy); constant-time
// secret comparison (in the code, plus a rough timing figure that is reported, never asserted);
// helmet's security headers on answers of every kind; `npm audit` of production dependencies.
// The scan of logs and tables for personal data and secrets runs last (99-leak-scan.rel-spec.ts).
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createDatabase, dumpTables, sharedAdminUrl } from './support/postgres.js';
import { SandboxProcess, ServiceProcess } from './support/processes.js';
import { Answer, isProblem, percentile, send } from './support/http.js';
import { Recorder } from './support/results.js';
import { recordSensitive } from './support/run-dir.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

// Rotation: two values of each credential are valid at once.
const PARTNER_KEYS = ['sec-partner-old-6c1e9d', 'sec-partner-new-2a7f4b'];
const ADMIN_KEYS = ['sec-admin-old-9b3d1f', 'sec-admin-new-4e8c2a'];
const CALLBACK_VALUES = ['Bearer sec-callback-old-7d2e', 'Bearer sec-callback-new-1f9a'];
const UNKNOWN_SESSION = '0b5e6b1e-5ec0-4000-8000-000000000006';

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
    RECONCILE_ENABLED: 'false',
    ...extra,
  });

  beforeAll(async () => {
    recordSensitive('key', ...PARTNER_KEYS, ...ADMIN_KEYS, ...CALLBACK_VALUES);
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
        env: env({ CALLBACK_ALLOWED_IPS: '203.0.113.0/24', TRUST_PROXY: 'true' }),
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
    for (const guard of ['common/api-key.guard.ts', 'callbacks/callback-auth.guard.ts']) {
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
