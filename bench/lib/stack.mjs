// The pieces every scenario starts: PostgreSQL (embedded, or a database of our own on the server
// DATABASE_URL names), the provider sandbox, the service and the baseline server (each its own
// process), and load workers. Also the SQL helpers the scenarios use to prepare data.
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import {
  freePort,
  onCleanup,
  readChildrenCpu,
  readCpuSplit,
  readRss,
  startProcess,
  waitForHttp,
} from './procs.mjs';

export const KEYS = {
  // Production-strength values: the service runs with NODE_ENV=production, which refuses
  // secrets under 32 characters and one-byte PII keys.
  api: 'bench-partner-key-7c1e9a3d5b7f9e1c',
  admin: 'bench-admin-key-2d4f6a8c0e2b4d6f8a',
  callbackHeader: 'authorization',
  callbackValue: 'Bearer bench-callback-secret-5e7a9c1d3f5b7',
  pii: `bench1:${Buffer.from(Array.from({ length: 32 }, (_, i) => (i * 29 + 42) % 256)).toString('base64')}`,
};

/**
 * The Node flags `npm run start:prod` runs the service with (the heap budget): the bench measures
 * the service as it is deployed. `BENCH_SERVICE_DEFAULT_NODE=1` drops them (Node's defaults).
 */
export function productionNodeArgs(root) {
  if (process.env.BENCH_SERVICE_DEFAULT_NODE) return [];
  const script = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts['start:prod'];
  const m = /^(?:exec\s+)?node\s+(.*?)\s*dist\/main\.js$/.exec(script.trim());
  if (!m) throw new Error(`cannot read the Node flags of start:prod: ${script}`);
  return m[1].split(/\s+/).filter(Boolean);
}

/** The variables children get from us: nothing else leaks in from the caller's shell. */
function baseEnv() {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ'];
  return Object.fromEntries(keep.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]]));
}

export class Stack {
  constructor({ root, quick }) {
    this.root = root;
    this.quick = quick;
    this.tmp = join(root, 'bench', '.tmp');
    this.dist = join(this.tmp, 'dist');
    this.services = [];
    this.peak = { hwmMiB: 0, rssMiB: 0 };
  }

  /**
   * A private copy of dist/: other engineers rebuild dist/ (rm -rf first) while the bench runs,
   * and a process started mid-rebuild would fail. Resolution of node_modules walks up to the repo.
   */
  snapshotDist() {
    rmSync(this.tmp, { recursive: true, force: true });
    mkdirSync(this.tmp, { recursive: true });
    cpSync(join(this.root, 'dist'), this.dist, { recursive: true });
  }

  distImport(rel) {
    return import(pathToFileURL(join(this.dist, rel)).href);
  }

  async startDatabase() {
    if (process.env.DATABASE_URL) {
      // A database of our own on that server, dropped at the end: never the one named.
      const admin = process.env.DATABASE_URL;
      const name = `onekyc_bench_${Date.now().toString(36)}`;
      const c = new pg.Client(admin);
      await c.connect();
      await c.query(`CREATE DATABASE ${name}`);
      await c.end();
      const u = new URL(admin);
      u.pathname = `/${name}`;
      this.dbUrl = u.toString();
      this.dbLabel = `DATABASE_URL server (database ${name}, dropped at the end)`;
      onCleanup(async () => {
        await this.pool?.end().catch(() => undefined);
        const z = new pg.Client(admin);
        await z.connect();
        await z.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await z.end();
      });
    } else {
      const { startEmbeddedPostgres } = await this.distImport('database/embedded-postgres.js');
      const before = listeners();
      const db = await startEmbeddedPostgres(join(this.tmp, 'pg'), { database: 'onekyc_bench' });
      // embedded-postgres installs exit hooks that exit the process on SIGINT: we stop it ourselves.
      dropNewListeners(before);
      this.dbUrl = db.url;
      this.dbLabel = 'embedded PostgreSQL (bench/.tmp/pg)';
      let pid;
      try {
        pid = Number(readFileSync(join(this.tmp, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
      } catch {
        /* best effort: for the synchronous backstop and CPU accounting */
      }
      this.postmasterPid = pid;
      onCleanup(
        async () => {
          await this.pool?.end().catch(() => undefined);
          await db.stop();
        },
        // Immediate shutdown: the process is exiting and cannot wait for a clean one.
        () => pid && tryKill(pid, 'SIGQUIT'),
      );
    }
    this.pool = new pg.Pool({ connectionString: this.dbUrl, max: 4 });
    const v = await this.sql(`SELECT current_setting('server_version') AS v`);
    this.postgresVersion = v[0].v;
    const url = new URL(this.dbUrl);
    this.db = {
      host: url.hostname,
      port: url.port || '5432',
      user: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
      database: url.pathname.slice(1),
    };
  }

  async migrate() {
    const { typeOrmOptions } = await this.distImport('database/typeorm-options.js');
    const { runMigrationsLocked } = await this.distImport('database/migrate.js');
    const { DataSource } = await import('typeorm');
    const ds = new DataSource(await typeOrmOptions(this.dbUrl, 2));
    await ds.initialize();
    const ran = await runMigrationsLocked(ds);
    await ds.destroy();
    return ran.length;
  }

  async sql(text, params) {
    return (await this.pool.query(text, params)).rows;
  }

  /**
   * Empties every table the scenarios write (our own database only). The audit log is left as it
   * is: it is append-only, TRUNCATE included, and no scenario reads it.
   */
  async resetData() {
    await this.sql(
      `TRUNCATE submissions, submission_events, unmatched_callbacks, idempotency_keys, job_runs,
                webhook_deliveries, webhook_events, webhook_endpoints
       RESTART IDENTITY CASCADE`,
    );
  }

  async sandboxConstants() {
    return this.distImport('config/app-config.js');
  }

  async startSandbox({ callbackUrl } = {}) {
    const c = await this.sandboxConstants();
    const port = await freePort();
    const h = startProcess('sandbox', process.execPath, [join(this.dist, 'sandbox', 'main.js')], {
      env: {
        ...baseEnv(),
        SANDBOX_PORT: String(port),
        SANDBOX_HOST: '127.0.0.1',
        SANDBOX_CALLBACK_URL: callbackUrl ?? 'http://127.0.0.1:9/v1/callbacks/onekyc',
        SANDBOX_CALLBACK_AUTH_VALUE: KEYS.callbackValue,
        SANDBOX_CLIENT_ID: c.SANDBOX_CLIENT_ID,
        SANDBOX_PASS_KEY: c.SANDBOX_PASS_KEY,
        SANDBOX_ONBOARDING_PARTNER: c.SANDBOX_ONBOARDING_PARTNER,
      },
    });
    h.url = `http://127.0.0.1:${port}`;
    await waitForHttp(`${h.url}/sandbox`, { handle: h });
    const { SandboxControlClient } = await this.distImport('sandbox/sandbox-control.client.js');
    h.control = new SandboxControlClient(h.url);
    return h;
  }

  async serviceEnv(sandboxUrl, extra = {}) {
    const c = await this.sandboxConstants();
    return {
      ...baseEnv(),
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      DATABASE_URL: this.dbUrl,
      DATA_DIR: join(this.tmp, 'data'),
      ONEKYC_API_BASE_URL: sandboxUrl,
      ONEKYC_CLIENT_ID: c.SANDBOX_CLIENT_ID,
      ONEKYC_PASS_KEY: c.SANDBOX_PASS_KEY,
      ONEKYC_ONBOARDING_PARTNER: c.SANDBOX_ONBOARDING_PARTNER,
      API_KEYS: KEYS.api,
      ADMIN_API_KEYS: KEYS.admin,
      // The per-key partner limit (600/min by default) would turn a load test into a 429 test.
      API_RATE_LIMIT_PER_MINUTE: '1000000',
      CALLBACK_AUTH_HEADER: KEYS.callbackHeader,
      CALLBACK_AUTH_VALUES: KEYS.callbackValue,
      CALLBACK_ALLOWED_IPS: '127.0.0.1/32',
      PII_ENCRYPTION_KEYS: KEYS.pii,
      RECONCILE_ENABLED: 'false',
      LOG_LEVEL: 'warn',
      ...extra,
    };
  }

  /**
   * `node dist/main.js` as its own process; resolves when /health/ready answers 200, with the
   * time that took. Its RSS is sampled every 200 ms while it runs (peak over the whole bench).
   */
  async startService({ sandboxUrl, env = {}, port, name = 'service', nodeArgs = [], inspect = false }) {
    port ??= await freePort();
    const inspectPort = inspect ? await freePort() : undefined;
    if (inspect) nodeArgs = [`--inspect=127.0.0.1:${inspectPort}`, ...nodeArgs];
    if (this.profileDir) nodeArgs = ['--cpu-prof', `--cpu-prof-dir=${this.profileDir}`, ...nodeArgs];
    // Node flags NODE_OPTIONS refuses (e.g. --trace-gc), for experiments; space-separated.
    if (process.env.BENCH_SERVICE_NODE_ARGS)
      nodeArgs = [...process.env.BENCH_SERVICE_NODE_ARGS.split(/\s+/).filter(Boolean), ...nodeArgs];
    nodeArgs = [...productionNodeArgs(this.root), ...nodeArgs];
    const started = performance.now();
    const h = startProcess(name, process.execPath, [...nodeArgs, join(this.dist, 'main.js')], {
      env: await this.serviceEnv(sandboxUrl, {
        PORT: String(port),
        // For experiments with Node's own flags (e.g. --max-old-space-size): off unless asked for.
        ...(process.env.BENCH_SERVICE_NODE_OPTIONS
          ? { NODE_OPTIONS: process.env.BENCH_SERVICE_NODE_OPTIONS }
          : {}),
        ...env,
      }),
      cwd: this.tmp,
    });
    h.url = `http://127.0.0.1:${port}`;
    h.inspectPort = inspectPort;
    await waitForHttp(`${h.url}/health/ready`, { handle: h, timeoutMs: 60_000, intervalMs: 10 });
    h.readyMs = performance.now() - started;
    h.peakHwmMiB = 0;
    const sample = () => {
      const r = readRss(h.pid);
      if (r.hwmMiB > h.peakHwmMiB) h.peakHwmMiB = r.hwmMiB;
      if (r.hwmMiB > this.peak.hwmMiB) this.peak.hwmMiB = r.hwmMiB;
      if (r.rssMiB > this.peak.rssMiB) this.peak.rssMiB = r.rssMiB;
    };
    h.sampler = setInterval(sample, 200);
    h.sampler.unref();
    const stop = h.stop;
    h.stop = async (...a) => {
      sample();
      clearInterval(h.sampler);
      return stop(...a);
    };
    this.services.push(h);
    return h;
  }

  /** `kind`: 'rich' (bench/baseline-server.mjs) or 'minimal' (bench/minimal-baseline-server.mjs). */
  async startBaseline({ sandboxUrl, kind = 'rich' }) {
    const c = await this.sandboxConstants();
    const port = await freePort();
    const file = kind === 'minimal' ? 'minimal-baseline-server.mjs' : 'baseline-server.mjs';
    const h = startProcess(
      kind === 'minimal' ? 'minimal' : 'baseline',
      process.execPath,
      [join(this.root, 'bench', file)],
      {
        env: {
          ...baseEnv(),
          PORT: String(port),
          DATABASE_URL: this.dbUrl,
          POOL_SIZE: '20',
          PII_ENCRYPTION_KEY: KEYS.pii,
          CALLBACK_AUTH_HEADER: KEYS.callbackHeader,
          CALLBACK_AUTH_VALUE: KEYS.callbackValue,
          API_KEY: KEYS.api,
          ONEKYC_API_BASE_URL: sandboxUrl ?? 'http://127.0.0.1:9',
          ONEKYC_CLIENT_ID: c.SANDBOX_CLIENT_ID,
          ONEKYC_PASS_KEY: c.SANDBOX_PASS_KEY,
          ONEKYC_ONBOARDING_PARTNER: c.SANDBOX_ONBOARDING_PARTNER,
        },
      },
    );
    h.url = `http://127.0.0.1:${port}`;
    await waitForHttp(`${h.url}/health`, { handle: h });
    return h;
  }

  /** Runs one job in a fresh load-worker process and returns its summary. */
  async load(spec) {
    const h = startProcess('load', process.execPath, [join(this.root, 'bench', 'load-worker.mjs')], {
      env: baseEnv(),
      ipc: true,
    });
    try {
      return await new Promise((resolve, reject) => {
        h.child.once('message', (m) =>
          m.ok ? resolve(m.result) : reject(new Error(`load worker failed: ${m.error}`)),
        );
        h.exitPromise.then((code) =>
          reject(new Error(`load worker exited (${code}) without a result:\n${h.output}`)),
        );
        h.child.send(spec);
      });
    } finally {
      await h.stop('SIGTERM', 5000);
    }
  }

  /**
   * Runs a load job against `target` and adds the CPU the target process and the database
   * backends spent per request (less sensitive to a busy machine than throughput).
   */
  async measured(target, spec) {
    const cpu0 = readCpuSplit(target.pid);
    const pg0 = this.postmasterPid ? readChildrenCpu(this.postmasterPid) : NaN;
    const r = await this.load(spec);
    const cpu1 = readCpuSplit(target.pid);
    r.cpuMsPerReq = ((cpu1.user + cpu1.sys - cpu0.user - cpu0.sys) * 1000) / r.total;
    r.sysCpuMsPerReq = ((cpu1.sys - cpu0.sys) * 1000) / r.total;
    r.pgCpuMsPerReq = this.postmasterPid
      ? ((readChildrenCpu(this.postmasterPid) - pg0) * 1000) / r.total
      : NaN;
    return r;
  }

  /** A full, memory-reducing GC in a service started with `inspect: true` (through its inspector). */
  async forceGc(service) {
    const h = startProcess(
      'force-gc',
      process.execPath,
      [
        '--experimental-websocket',
        join(this.root, 'bench', 'lib', 'force-gc.mjs'),
        String(service.inspectPort),
      ],
      { env: baseEnv() },
    );
    const code = await Promise.race([h.exitPromise, new Promise((r) => setTimeout(r, 30_000, 'timeout'))]);
    if (code !== 0) {
      await h.stop();
      throw new Error(`forcing a GC failed (${code}):\n${h.output}`);
    }
  }

  /** Writes a scratch file under bench/.tmp (ids for the load workers). */
  writeTmp(name, data) {
    const file = join(this.tmp, name);
    writeFileSync(file, JSON.stringify(data));
    return file;
  }

  /** A PiiCipher with the service's keys, for data generated outside the service. */
  async cipher() {
    const { buildConfig } = await this.distImport('config/app-config.js');
    const { PiiCipher } = await this.distImport('submissions/pii/pii-cipher.js');
    const config = buildConfig(await this.serviceEnv('http://127.0.0.1:9'));
    return new PiiCipher(config);
  }
}

function tryKill(pid, sig) {
  try {
    process.kill(pid, sig);
  } catch {
    /* gone */
  }
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'beforeExit', 'exit'];
function listeners() {
  return new Map(SIGNALS.map((s) => [s, process.listeners(s)]));
}
function dropNewListeners(before) {
  for (const s of SIGNALS) {
    for (const l of process.listeners(s)) if (!before.get(s).includes(l)) process.removeListener(s, l);
  }
}
