// Every process the suite starts goes through here, so every one of them is stopped: by the test
// file's afterAll, by this worker's 'exit' handler (SIGKILL to the process group), and as a last
// resort by global-setup's teardown, which reads the pid registry in the run directory. Children
// run in their own process group and write stdout/stderr straight to a log file (kept for the
// leak scan); nothing listens beyond 127.0.0.1.
import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SandboxControlClient } from '../../../src/sandbox/sandbox-control.client.js';
import { appDir, quitOwnPostmasters, recordSensitive, runPath } from './run-dir.js';
import { startTokenTap, TokenTap } from './token-tap.js';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

const running = new Set<Tracked>();
process.on('exit', () => {
  for (const t of running) signalGroup(t.pid, 'SIGKILL');
});
// A signal's default action skips 'exit' handlers: Ctrl-C (or a runner stopping this worker) must
// not leave the children, which run in their own process groups, behind.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    for (const t of running) signalGroup(t.pid, 'SIGKILL');
    quitOwnPostmasters();
    process.exit(130);
  });
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
}

export class Tracked {
  readonly child: ChildProcess;
  readonly pid: number;
  exitCode: number | string | null = null;
  exited = false;
  readonly exitPromise: Promise<number | string | null>;
  private readonly pidFile: string;

  constructor(
    readonly name: string,
    cmd: string,
    args: string[],
    env: NodeJS.ProcessEnv,
    readonly logFile: string,
  ) {
    const fd = openSync(logFile, 'a');
    try {
      this.child = spawn(cmd, args, { env, detached: true, stdio: ['ignore', fd, fd] });
    } finally {
      closeSync(fd);
    }
    this.pid = this.child.pid!;
    this.pidFile = runPath('pids', String(this.pid));
    writeFileSync(this.pidFile, name);
    running.add(this);
    this.exitPromise = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exited = true;
        this.exitCode = code ?? signal;
        running.delete(this);
        rmSync(this.pidFile, { force: true });
        resolve(this.exitCode);
      });
    });
  }

  /** SIGTERM (or another signal), then SIGKILL after `graceMs`; resolves once the process is gone. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<number | string | null> {
    if (this.exited) return this.exitCode;
    signalGroup(this.pid, signal);
    const late = await Promise.race([this.exitPromise.then(() => false), sleep(graceMs).then(() => true)]);
    if (late) signalGroup(this.pid, 'SIGKILL');
    await this.exitPromise;
    signalGroup(this.pid, 'SIGKILL'); // grandchildren, if any
    return this.exitCode;
  }

  tail(bytes = 4000): string {
    if (!existsSync(this.logFile)) return '';
    const size = statSync(this.logFile).size;
    const text = readFileSync(this.logFile, 'utf8');
    return size > bytes ? text.slice(-bytes) : text;
  }
}

/** Polls `url` until it answers 200, or throws (with the log's tail) when the process exits or time is up. */
export async function waitForHttp(url: string, proc?: Tracked, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (proc?.exited)
      throw new Error(`${proc.name} exited (${proc.exitCode}) before ${url} answered:\n${proc.tail()}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = String((err as { cause?: { code?: string } }).cause?.code ?? err);
    }
    await sleep(50);
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms (last: ${last})\n${proc?.tail() ?? ''}`);
}

// --- The provider sandbox ------------------------------------------------------------------------

/** Partner credentials the sandbox accepts: distinct from the built-in defaults, so the leak scan can find them. */
export const REL_CLIENT_ID = '7c1f4e2a-5b3d-4c8e-9a6f-0d2e4b6a8c1e';
export const REL_PASS_KEY = '3e9b7d15-2c4a-4f6e-8b0d-a1c3e5f7b9d2';
export const REL_ONBOARDING_PARTNER = 'RELIABILITY_PARTNER-SDK-STANDALONE_IDENTITY_VERIFICATION';
// Production-strength lengths (32+ characters, a PII key of varied bytes): the services run with
// NODE_ENV=production, which refuses shorter secrets and one-byte keys.
export const REL_CALLBACK_SECRET = 'Bearer rel-callback-secret-4f7a1c9e2b-7d3e9a1c5b';
export const REL_API_KEY = 'rel-partner-key-8d2c6e1a9f-3b7e5d1c9a4f';
export const REL_ADMIN_KEY = 'rel-admin-key-5b9e3f7c1d-9e2a4c6b8d0f';
export const REL_PII_KEYS =
  'rel1:' + Buffer.from(Array.from({ length: 32 }, (_, i) => (i * 37 + 0x5a) % 256)).toString('base64');

export class SandboxProcess {
  readonly control: SandboxControlClient;
  private constructor(
    readonly proc: Tracked,
    readonly url: string,
    /** Point ONEKYC_TOKEN_BASE_URL here: the same sandbox, with every partner token recorded. */
    readonly tap: TokenTap,
  ) {
    this.control = new SandboxControlClient(url);
  }

  get tokenUrl(): string {
    return this.tap.url;
  }

  static async start(name: string, env: Record<string, string> = {}): Promise<SandboxProcess> {
    const port = await freePort();
    const proc = new Tracked(
      name,
      process.execPath,
      [join(appDir(), 'dist', 'sandbox', 'main.js')],
      {
        PATH: process.env.PATH,
        SANDBOX_PORT: String(port),
        SANDBOX_HOST: '127.0.0.1',
        SANDBOX_CLIENT_ID: REL_CLIENT_ID,
        SANDBOX_PASS_KEY: REL_PASS_KEY,
        SANDBOX_ONBOARDING_PARTNER: REL_ONBOARDING_PARTNER,
        SANDBOX_CALLBACK_AUTH_VALUE: REL_CALLBACK_SECRET,
        SANDBOX_SEED: '4242',
        ...env,
      },
      runPath('logs', `${name}.sandbox.log`),
    );
    const url = `http://127.0.0.1:${port}`;
    try {
      await waitForHttp(`${url}/sandbox`, proc, 30_000);
    } catch (err) {
      await proc.stop('SIGKILL');
      throw err;
    }
    return new SandboxProcess(proc, url, await startTokenTap(url));
  }

  async stop(): Promise<void> {
    await this.tap.close();
    await this.proc.stop();
  }
}

// --- The service ---------------------------------------------------------------------------------

export interface ServiceOptions {
  databaseUrl: string;
  providerUrl: string;
  /** Token host, when it differs (the token tap). */
  tokenUrl?: string;
  env?: Record<string, string>;
}

/** The built service (`node dist/main.js`) as a real process; restartable on the same port. */
export class ServiceProcess {
  proc!: Tracked;
  starts = 0;
  readonly baseUrl: string;
  readonly env: NodeJS.ProcessEnv;

  private constructor(
    readonly name: string,
    readonly port: number,
    opts: ServiceOptions,
  ) {
    this.baseUrl = `http://127.0.0.1:${port}`;
    this.env = {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: runPath('data', name),
      DATABASE_URL: opts.databaseUrl,
      ONEKYC_API_BASE_URL: opts.providerUrl,
      ...(opts.tokenUrl ? { ONEKYC_TOKEN_BASE_URL: opts.tokenUrl } : {}),
      ONEKYC_CLIENT_ID: REL_CLIENT_ID,
      ONEKYC_PASS_KEY: REL_PASS_KEY,
      ONEKYC_ONBOARDING_PARTNER: REL_ONBOARDING_PARTNER,
      API_KEYS: REL_API_KEY,
      ADMIN_API_KEYS: REL_ADMIN_KEY,
      CALLBACK_AUTH_VALUES: REL_CALLBACK_SECRET,
      PII_ENCRYPTION_KEYS: REL_PII_KEYS,
      API_RATE_LIMIT_PER_MINUTE: '1000000',
      LOG_LEVEL: 'info',
      ...opts.env,
    };
    recordSensitive('key', REL_API_KEY, REL_ADMIN_KEY, REL_CALLBACK_SECRET, REL_PASS_KEY, REL_CLIENT_ID);
    recordSensitive('key', REL_PII_KEYS.slice(REL_PII_KEYS.indexOf(':') + 1));
  }

  static async start(name: string, opts: ServiceOptions, port?: number): Promise<ServiceProcess> {
    const s = new ServiceProcess(name, port ?? (await freePort()), opts);
    await s.launch();
    return s;
  }

  /** Starts the process (again) and waits until /health/ready answers 200. */
  async launch(timeoutMs = 60_000): Promise<number> {
    const started = Date.now();
    this.starts++;
    this.proc = new Tracked(
      `${this.name}#${this.starts}`,
      process.execPath,
      [join(appDir(), 'dist', 'main.js')],
      this.env,
      runPath('logs', `${this.name}.service.log`),
    );
    try {
      await waitForHttp(`${this.baseUrl}/health/ready`, this.proc, timeoutMs);
    } catch (err) {
      await this.proc.stop('SIGKILL');
      throw err;
    }
    return Date.now() - started;
  }

  /** `kill -9`: no shutdown hook runs, in-flight transactions die with their connections. */
  async kill9(): Promise<void> {
    await this.proc.stop('SIGKILL');
  }

  stop(): Promise<unknown> {
    return this.proc.stop();
  }

  get alive(): boolean {
    return !this.proc.exited;
  }
}
