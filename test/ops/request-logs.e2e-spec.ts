// The request log as an operator reads it: the compiled service in its own process (stdout is a
// pipe, so JSON lines), one line per request with what it needs and nothing it must not hold.
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { freePort } from '../../src/database/embedded-postgres.js';
import { ensureBuilt } from '../support/build.js';
import { createTestDatabase, TestDatabase } from '../support/database.js';

const PARTNER_KEY = 'request-log-partner-key-0123456789abcdef';

function startService(env: Record<string, string>): { child: ChildProcess; out: () => string } {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !/^(ONEKYC_|API_KEYS|ADMIN_API_KEYS|CALLBACK_|PII_|TEST_|LOG_)/.test(k),
    ),
  );
  const child = spawn(process.execPath, [ensureBuilt()], {
    env: { ...clean, NODE_ENV: 'development', SANDBOX_PORT: '0', RECONCILE_ENABLED: 'false', ...env },
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return { child, out: () => out };
}

async function waitFor(fn: () => Promise<boolean> | boolean, what: string, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (
      await Promise.resolve()
        .then(fn)
        .catch(() => false)
    )
      return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('request logs (a real process)', () => {
  let db: TestDatabase;
  let service: ReturnType<typeof startService>;
  let base: string;
  beforeAll(async () => {
    db = await createTestDatabase({ migrate: false });
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    service = startService({
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: db.url,
      API_KEYS: PARTNER_KEY,
    });
    await waitFor(async () => (await fetch(`${base}/health/ready`)).status === 200, 'the service');
  }, 120_000);
  afterAll(async () => {
    if (service?.child.exitCode === null) {
      service.child.kill('SIGTERM');
      await new Promise((r) => service.child.once('exit', r));
    }
    await db?.drop();
  });

  it('writes one JSON line per request, 401 included, with route template, caller kind, duration and request id', async () => {
    const id = '11111111-2222-4333-8444-555555555555';
    const ok = await fetch(`${base}/v1/verifications/${id}?userId=query-secret-value`, {
      headers: { authorization: `Bearer ${PARTNER_KEY}`, 'x-request-id': 'caller-req-0001' },
    });
    expect(ok.status).toBe(404);
    expect(ok.headers.get('x-request-id')).toBe('caller-req-0001');
    const refused = await fetch(`${base}/v1/verifications/${id}`, {
      headers: { authorization: 'Bearer wrong-key-presented-here', 'x-request-id': 'caller-req-0002' },
    });
    expect(refused.status).toBe(401);
    // A line the service writes while handling a request (after its body was read) names that request.
    const callback = await fetch(`${base}/v1/callbacks/onekyc`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'caller-req-0003' },
      body: JSON.stringify({ submissionId: 'x'.repeat(20), padding: 'p'.repeat(100_000) }), // read in several chunks
    });
    expect(callback.status).toBe(401);
    const insane = await fetch(`${base}/health/live`, { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(insane.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);

    await waitFor(
      () =>
        service
          .out()
          .split('\n')
          .some((l) => l.includes('caller-req-0003') && l.includes('"res"')),
      `the 401 lines in:\n${service.out()}`,
      10_000,
    );
    const lines = service
      .out()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, any>);
    const requestLines = (rid: string) =>
      lines.filter((l) => (l.req?.id === rid && l.statusCode !== undefined) || (l.req?.id === rid && l.res));
    const [first] = requestLines('caller-req-0001');
    expect(requestLines('caller-req-0001')).toHaveLength(1);
    expect(first).toMatchObject({
      req: { id: 'caller-req-0001', method: 'GET', path: `/v1/verifications/${id}` },
      res: { statusCode: 404 },
      route: '/v1/verifications/:id',
      callerKind: 'partner',
    });
    expect(typeof first.durationMs).toBe('number');
    // Health probes (polled above until ready) are not request lines.
    expect(lines.filter((l) => String(l.req?.path).startsWith('/health'))).toEqual([]);
    const [second] = requestLines('caller-req-0002');
    expect(second).toMatchObject({
      res: { statusCode: 401 },
      route: '/v1/verifications/:id',
      callerKind: 'none',
    });
    const inRequest = lines.filter((l) => l.req?.id === 'caller-req-0003' && l.res === undefined);
    expect(inRequest).toEqual([
      expect.objectContaining({
        msg: 'provider callback rejected',
        reason: 'credential_missing',
        context: 'CallbackAuthGuard',
        req: { id: 'caller-req-0003', method: 'POST', path: '/v1/callbacks/onekyc' },
      }),
    ]);
    expect(requestLines('caller-req-0003')).toEqual([
      expect.objectContaining({ route: '/v1/callbacks/onekyc', res: { statusCode: 401 } }),
    ]);
    // The JSON lines (the sandbox-mode banner prints the development keys on purpose).
    const all = service
      .out()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .join('\n');
    expect(all).not.toContain(PARTNER_KEY);
    expect(all).not.toContain('wrong-key-presented-here');
    expect(all).not.toContain('query-secret-value');

    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(
      /http_auth_failures_total\{route="\/v1\/verifications\/:id",status_code="401"\} 1/,
    );
  });

  it('keeps Nest start-up chatter out and prints the banner after every start-up line', () => {
    const out = service.out();
    expect(out).not.toMatch(/Mapped \{|dependencies initialized|RoutesResolver/);
    const lines = out.split('\n');
    const banner = lines.findIndex((l) => l.startsWith('OneKYC orchestrator listening on'));
    expect(banner).toBeGreaterThanOrEqual(0);
    const before = lines.slice(0, banner).filter((l) => l.startsWith('{'));
    const after = lines.slice(banner).filter((l) => l.startsWith('{'));
    expect(after.every((l) => 'req' in JSON.parse(l))).toBe(true); // only request lines follow
    expect(before.length + after.length).toBeGreaterThan(0);
  });
});

describe.runIf(existsSync('/usr/bin/script'))(
  'logs on a terminal (a real pseudo-terminal via script(1))',
  () => {
    it('are human-friendly outside production, with the banner after the start-up lines', async () => {
      const db = await createTestDatabase({ migrate: false });
      const port = await freePort();
      const base = `http://127.0.0.1:${port}`;
      const env = Object.fromEntries(
        Object.entries(process.env).filter(
          ([k]) => !/^(ONEKYC_|API_KEYS|ADMIN_API_KEYS|CALLBACK_|PII_|TEST_|LOG_)/.test(k),
        ),
      );
      const command = `${process.execPath} ${ensureBuilt()}`;
      const child = spawn('/usr/bin/script', ['-qfec', command, '/dev/null'], {
        env: {
          ...env,
          NODE_ENV: 'development',
          SANDBOX_PORT: '0',
          RECONCILE_ENABLED: 'false',
          PORT: String(port),
          HOST: '127.0.0.1',
          DATABASE_URL: db.url,
        },
      });
      let out = '';
      child.stdout!.on('data', (d) => (out += d));
      try {
        await waitFor(async () => (await fetch(`${base}/health/ready`)).status === 200, 'the service');
        await fetch(`${base}/v1/verifications/x`, { headers: { 'x-request-id': 'tty-req-1' } });
        await waitFor(() => out.includes('tty-req-1'), `the request line in:\n${out}`, 10_000);
        // eslint-disable-next-line no-control-regex -- terminal colour codes are what is stripped
        const text = out.replace(/\x1b\[[0-9;]*m/g, '');
        expect(text).not.toMatch(/^\{"level"/m); // not JSON
        expect(text).toMatch(/WARN.*GET \/v1\/verifications\/:id 401/);
        expect(text).not.toMatch(/Mapped \{|dependencies initialized/);
        const lines = text.split(/\r?\n/);
        const banner = lines.findIndex((l) => l.startsWith('OneKYC orchestrator listening on'));
        const request = lines.findIndex((l) => l.includes('tty-req-1'));
        expect(banner).toBeGreaterThanOrEqual(0);
        expect(request).toBeGreaterThan(banner);
        // Between the banner and our request: nothing logged by start-up.
        expect(lines.slice(banner + 1, request).filter((l) => /^\[[\d:.]+\] (INFO|WARN)/.test(l))).toEqual(
          [],
        );
      } finally {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
        await db.drop();
      }
    }, 120_000);
  },
);
