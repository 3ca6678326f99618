// `npm start` as a user runs it: the compiled service in its own process, with an embedded
// PostgreSQL and the in-process sandbox, stopped by SIGTERM with nothing left behind.
import { ChildProcess, execSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { freePort, SHARED_ROOT } from '../../src/database/embedded-postgres.js';
import { ensureBuilt } from '../support/build.js';
import { json } from '../support/http.js';

interface Proc {
  child: ChildProcess;
  out: () => string;
  exited: Promise<number | null>;
}

function cleanEnv(): Record<string, string | undefined> {
  return Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) =>
        !/^(DATABASE_URL|ONEKYC_|API_KEYS|ADMIN_API_KEYS|CALLBACK_|PII_|TEST_|NODE_OPTIONS|VITEST)/.test(k),
    ),
  );
}

/** `node dist/main.js`, or with `npm: true` the real `npm start` (signals then go to npm). */
function start(env: Record<string, string>, { npm = false }: { npm?: boolean } = {}): Proc {
  const main = ensureBuilt();
  const [cmd, args] = npm ? ['npm', ['start', '--silent']] : [process.execPath, [main]];
  const child = spawn(cmd, args, {
    // SANDBOX_PORT=0: tests never take the fixed default port (4010) a developer's npm start uses.
    env: { ...cleanEnv(), NODE_ENV: 'development', LOG_LEVEL: 'warn', SANDBOX_PORT: '0', ...env },
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, out: () => out, exited };
}

async function waitReady(base: string, proc: Proc, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null) throw new Error(`service exited early:\n${proc.out()}`);
    try {
      if ((await fetch(`${base}/health/ready`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`not ready in time:\n${proc.out()}`);
}

function listening(port: number): Promise<boolean> {
  return fetch(`http://127.0.0.1:${port}/health/live`).then(
    () => true,
    () => false,
  );
}

function postgresRunningIn(dir: string): boolean {
  try {
    return execSync(`pgrep -f "[p]ostgres -D ${dir}"`, { encoding: 'utf8' }).trim().length > 0;
  } catch {
    return false;
  }
}

describe('the service as a process (npm start)', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'onekyc-start-'));
    chmodSync(dataDir, 0o755); // as root, the embedded server runs as 'postgres' and must reach it
    ensureBuilt();
  }, 180_000);
  afterAll(() => {
    if (postgresRunningIn(dataDir)) execSync(`pkill -INT -f "[p]ostgres -D ${dataDir}" || true`);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts with no configuration, prints the sandbox banner, keeps data across a restart and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const first = start({ PORT: String(port), DATA_DIR: dataDir });
    await waitReady(base, first);
    expect(first.out()).toContain('SANDBOX MODE');
    expect(first.out()).toContain('sandbox-api-key');
    expect(first.out()).toContain('sandbox-admin-key');
    expect(first.out()).toMatch(/development only/);
    expect(first.out()).toContain(`/docs`);
    expect(postgresRunningIn(join(dataDir, 'pg'))).toBe(true);

    const created = await fetch(`${base}/v1/verifications`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sandbox-api-key' },
      body: JSON.stringify({
        userId: 'restart-user',
        email: 'r@example.com',
        verification: { isVerified: true, verificationReferenceId: 'x' },
      }),
    });
    expect(created.status).toBe(201);
    const { id } = await json(created);

    const stopStarted = Date.now();
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(Date.now() - stopStarted).toBeLessThan(10_000);
    expect(postgresRunningIn(join(dataDir, 'pg'))).toBe(false);

    const second = start({ PORT: String(port), DATA_DIR: dataDir });
    await waitReady(base, second);
    const read = await fetch(`${base}/v1/verifications/${id}`, {
      headers: { authorization: 'Bearer sandbox-api-key' },
    });
    expect(read.status).toBe(200);
    expect((await json(read)).userId).toBe('restart-user');
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(postgresRunningIn(join(dataDir, 'pg'))).toBe(false);
  }, 180_000);

  it('refuses a bad PORT with a message naming it, starting nothing', async () => {
    const p = start({ PORT: 'not-a-port', DATA_DIR: join(dataDir, 'never') });
    expect(await p.exited).toBe(1);
    expect(p.out()).toMatch(/PORT/);
    expect(postgresRunningIn(join(dataDir, 'never'))).toBe(false);
  }, 60_000);

  it('stops the embedded database when start-up fails (port already taken)', async () => {
    const port = await freePort();
    const blocker = (await import('node:net')).createServer().listen(port, '0.0.0.0');
    try {
      const p = start({ PORT: String(port), DATA_DIR: dataDir });
      expect(await p.exited).toBe(1);
      expect(p.out()).toMatch(/EADDRINUSE/);
      expect(postgresRunningIn(join(dataDir, 'pg'))).toBe(false);
    } finally {
      blocker.close();
    }
  }, 120_000);

  it('stops node and the embedded database when only the npm process gets SIGTERM, with one shutdown line', async () => {
    const port = await freePort();
    const proc = start({ PORT: String(port), DATA_DIR: dataDir }, { npm: true });
    await waitReady(`http://127.0.0.1:${port}`, proc);
    expect(postgresRunningIn(join(dataDir, 'pg'))).toBe(true);
    proc.child.kill('SIGTERM'); // the npm process alone, as a supervisor or `kill <pid>` does
    await proc.exited;
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && ((await listening(port)) || postgresRunningIn(join(dataDir, 'pg'))))
      await new Promise((r) => setTimeout(r, 200));
    expect(await listening(port)).toBe(false);
    expect(postgresRunningIn(join(dataDir, 'pg'))).toBe(false);
    expect(proc.out().match(/^Stopped on SIGTERM in \d+ ms\.$/gm)).toHaveLength(1);
  }, 180_000);

  it('refuses to start in production with unsafe settings, naming every problem at once and starting nothing', async () => {
    const p = start({
      NODE_ENV: 'production',
      DATA_DIR: join(dataDir, 'never-prod'),
      ONEKYC_API_BASE_URL: 'https://provider.example',
      ONEKYC_CLIENT_ID: 'c',
      ONEKYC_PASS_KEY: 'p',
      ONEKYC_ONBOARDING_PARTNER: 'X',
      API_KEYS: 'change-me-partner-key',
      ADMIN_API_KEYS: 'short',
      CALLBACK_AUTH_VALUES: 'Bearer change-me-callback-secret',
      PII_ENCRYPTION_KEYS: 'k1:' + Buffer.alloc(32, 0).toString('base64'),
    });
    expect(await p.exited).toBe(1);
    for (const v of [
      'DATABASE_URL',
      'API_KEYS',
      'ADMIN_API_KEYS',
      'CALLBACK_AUTH_VALUES',
      'PII_ENCRYPTION_KEYS',
    ])
      expect(p.out()).toContain(`- ${v}:`);
    expect(p.out()).toContain('openssl rand -base64 32');
    expect(p.out()).not.toContain('change-me-partner-key');
    expect(postgresRunningIn(join(dataDir, 'never-prod'))).toBe(false);
  }, 60_000);

  it('after a kill -9, the next start stops the server left behind and starts normally', async () => {
    const port = await freePort();
    const dir = join(dataDir, 'killed');
    const first = start({ PORT: String(port), DATA_DIR: dir });
    await waitReady(`http://127.0.0.1:${port}`, first);
    first.child.kill('SIGKILL');
    await first.exited;
    expect(postgresRunningIn(join(dir, 'pg'))).toBe(true); // the orphan the next start meets
    const second = start({ PORT: String(port), DATA_DIR: dir });
    await waitReady(`http://127.0.0.1:${port}`, second);
    expect(second.out()).toMatch(/stopping the server left running by an earlier start/);
    expect(second.out()).not.toMatch(/undefined/);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(postgresRunningIn(join(dir, 'pg'))).toBe(false);
  }, 180_000);

  it('a second start in the same checkout is refused with what is running and what to do', async () => {
    const [port, port2] = [await freePort(), await freePort()];
    const dir = join(dataDir, 'twice');
    const first = start({ PORT: String(port), DATA_DIR: dir });
    await waitReady(`http://127.0.0.1:${port}`, first);
    const second = start({ PORT: String(port2), DATA_DIR: dir });
    expect(await second.exited).toBe(1);
    expect(second.out()).toMatch(/already running \(pid \d+, port \d+\).*another `npm start`/s);
    expect(second.out()).not.toMatch(/Failed to start: undefined/);
    expect((await fetch(`http://127.0.0.1:${port}/health/ready`)).status).toBe(200); // untouched
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
  }, 180_000);

  it.runIf(process.getuid?.() === 0)(
    'as root, starts from a private (0700) folder, keeping the cluster where the postgres user can reach it',
    async () => {
      const port = await freePort();
      const privateDir = mkdtempSync(join(tmpdir(), 'onekyc-private-'));
      chmodSync(privateDir, 0o700);
      const dir = join(privateDir, 'checkout', '.data');
      const shared = join(
        SHARED_ROOT,
        createHash('sha256').update(join(dir, 'pg')).digest('hex').slice(0, 16),
      );
      try {
        const proc = start({ PORT: String(port), DATA_DIR: dir });
        await waitReady(`http://127.0.0.1:${port}`, proc);
        expect(proc.out()).toContain(`its data is kept under ${shared}/pg instead`);
        expect(postgresRunningIn(join(shared, 'pg'))).toBe(true);
        proc.child.kill('SIGTERM');
        expect(await proc.exited).toBe(0);
        expect(postgresRunningIn(join(shared, 'pg'))).toBe(false);
      } finally {
        rmSync(privateDir, { recursive: true, force: true });
        rmSync(shared, { recursive: true, force: true });
      }
    },
    180_000,
  );
});
