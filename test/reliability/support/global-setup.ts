// Once per run of the reliability suite (in Vitest's main process):
// - a run directory in the system temp dir, and in it a copy of the built service (`dist/`), so a
//   concurrent `npm run build` (which empties dist/) cannot pull files away from running processes;
// - the PostgreSQL server scenarios share when they do not stop it: DATABASE_URL's, else an
//   embedded one in the run directory;
// - at the end: every process still registered is killed, every embedded server stopped, the
//   figures printed as Markdown and written to test/reliability/results/latest.json.
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Client } from 'pg';
import { markdown, readParts, writeLatest } from './results.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export default async function setup(): Promise<() => Promise<void>> {
  // REL_DIST: a build elsewhere (development while others rebuild dist/); else the fresh dist/.
  const distDir = resolve(process.env.REL_DIST ?? join(repo, 'dist'));
  if (!existsSync(join(distDir, 'main.js'))) {
    throw new Error(`${distDir}/main.js is missing: \`npm run test:reliability\` builds first`);
  }
  const run = mkdtempSync(join(tmpdir(), 'onekyc-rel-'));
  chmodSync(run, 0o755); // as root, embedded PostgreSQL runs as user postgres, who must reach its data dir
  process.env.REL_RUN_DIR = run;
  const app = join(run, 'app');
  mkdirSync(app, { recursive: true });
  cpSync(distDir, join(app, 'dist'), { recursive: true });
  writeFileSync(join(app, 'package.json'), JSON.stringify({ type: 'module', private: true }));
  symlinkSync(join(repo, 'node_modules'), join(app, 'node_modules'), 'dir');
  process.env.REL_APP_DIR = app;

  const { EmbeddedServer } = await import('./postgres.js');
  let shared: Awaited<ReturnType<typeof EmbeddedServer.start>> | undefined;
  if (process.env.DATABASE_URL) {
    process.env.REL_PG_ADMIN_URL = process.env.DATABASE_URL;
  } else {
    shared = await EmbeddedServer.start('shared');
    process.env.REL_PG_ADMIN_URL = shared.adminUrl;
  }
  process.env.TEST_ADMIN_DATABASE_URL = process.env.REL_PG_ADMIN_URL;
  const soak = process.env.RELIABILITY_SOAK === '1';
  process.stdout.write(`\nreliability run directory: ${run}\n`);

  // Ctrl-C or a CI timeout: Vitest's own handling exits without this teardown and leaves its
  // workers running; everything this run started (workers, services, sandboxes, PostgreSQL) goes.
  const onSignal = (signal: NodeJS.Signals) => {
    process.stderr.write(`\n${signal}: stopping every process the reliability suite started...\n`);
    for (const pid of descendants(process.pid)) kill(pid, 'SIGKILL');
    for (const o of runningFrom(run)) kill(o.pid, 'SIGKILL');
    if (process.env.REL_KEEP !== '1') rmSync(run, { recursive: true, force: true });
    process.exit(130);
  };
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const s of signals) process.prependOnceListener(s, onSignal);

  return async () => {
    for (const s of signals) process.removeListener(s, onSignal);
    const leftovers = await killRegistered(run);
    if (process.env.DATABASE_URL) await dropDatabases(process.env.DATABASE_URL).catch(() => undefined);
    if (shared?.running) await shared.stopServer().catch(() => undefined);
    await stopEmbeddedServers(run);

    // No orphans: any process still running from the run directory (a service, the sandbox, a
    // PostgreSQL server) is named and killed; the figure says how many there were.
    const orphans = runningFrom(run);
    for (const o of orphans) {
      try {
        process.kill(o.pid, 'SIGKILL');
      } catch {
        /* gone meanwhile */
      }
    }
    const results = readParts(join(run, 'results'));
    if (results.length > 0) {
      const md = markdown(results);
      process.stdout.write(`\n## Reliability figures\n\n${md}\n`);
      const left = [...leftovers, ...orphans.map((o) => `${o.cmd} (${o.pid})`)];
      process.stdout.write(
        `\nprocesses of this run still running after the last file (killed now): ${left.length ? left.join(', ') : 'none'}\n`,
      );
      const out = join(repo, 'test', 'reliability', 'results', soak ? 'soak-latest.json' : 'latest.json');
      mkdirSync(dirname(out), { recursive: true });
      writeLatest(out, results, {
        generatedAt: new Date().toISOString(),
        node: process.version,
        cpus: (await import('node:os')).cpus().length,
        orphansKilledAtEnd: left,
      });
      writeFileSync(out.replace(/\.json$/, '.md'), md + '\n');
    }
    if (process.env.REL_KEEP === '1') process.stdout.write(`run directory kept: ${run}\n`);
    else rmSync(run, { recursive: true, force: true });
  };
}

/** Processes a test file started and did not stop (a crashed worker): killed, and named. */
async function killRegistered(run: string): Promise<string[]> {
  const dir = join(run, 'pids');
  if (!existsSync(dir)) return [];
  const names: string[] = [];
  for (const f of readdirSync(dir)) {
    const pid = Number(f);
    if (!alive(pid)) continue;
    names.push(`${readFileSync(join(dir, f), 'utf8')} (${pid})`);
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }
  return names;
}

/** Embedded servers a scenario started and did not stop: fast shutdown through their postmaster pid. */
async function stopEmbeddedServers(run: string): Promise<void> {
  const dir = join(run, 'pgdirs');
  if (!existsSync(dir)) return;
  for (const f of readdirSync(dir)) {
    const data = readFileSync(join(dir, f), 'utf8').trim();
    let pid: number;
    try {
      pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    } catch {
      continue;
    }
    if (!alive(pid)) continue;
    try {
      process.kill(pid, 'SIGINT');
    } catch {
      continue;
    }
    for (let i = 0; i < 100 && alive(pid); i++) await sleep(100);
    if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
}

async function dropDatabases(adminUrl: string): Promise<void> {
  const c = new Client({ connectionString: adminUrl });
  await c.connect();
  try {
    const r = await c.query(`SELECT datname FROM pg_database WHERE datname LIKE 'rel\\_%'`);
    for (const row of r.rows) await c.query(`DROP DATABASE IF EXISTS "${row.datname}" WITH (FORCE)`);
  } finally {
    await c.end();
  }
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Processes whose command line mentions the run directory (Linux /proc). */
function runningFrom(run: string): { pid: number; cmd: string }[] {
  const out: { pid: number; cmd: string }[] = [];
  let pids: string[] = [];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return out;
  }
  for (const p of pids) {
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      if (cmd.includes(run) && Number(p) !== process.pid)
        out.push({ pid: Number(p), cmd: cmd.slice(0, 120) });
    } catch {
      /* gone */
    }
  }
  return out;
}

function kill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    /* gone */
  }
}

/** Every process below `root` (Linux /proc), collected before any is killed. */
function descendants(root: number): number[] {
  const parent = new Map<number, number>();
  try {
    for (const d of readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      try {
        // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces, so split after ')'.
        const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
        parent.set(Number(d), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
      } catch {
        /* gone */
      }
    }
  } catch {
    return [];
  }
  const out: number[] = [];
  const walk = (pid: number) => {
    for (const [child, ppid] of parent) {
      if (ppid === pid) {
        out.push(child);
        walk(child);
      }
    }
  };
  walk(root);
  return out;
}
