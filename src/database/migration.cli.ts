// `npm run migration:run | migration:revert | migration:show | migration:generate -- migrations/Name`.
// The database: DATABASE_URL when set; otherwise the embedded PostgreSQL of sandbox mode under
// DATA_DIR (.data/pg): the running service's server when `npm start` is up (its port is read
// from PostgreSQL's own postmaster.pid), or one started for this command and stopped after.
// Prints a summary (which database, which migrations), not every SQL statement.
import 'reflect-metadata';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataSource } from 'typeorm';
import { checkConfig } from '../config/app-config.js';
import type { EmbeddedDatabase } from './embedded-postgres.js';
import { runMigrationsLocked } from './migrate.js';
import { typeOrmOptions } from './typeorm-options.js';

const EMBEDDED_DATABASE = 'onekyc';

interface ResolvedDatabase {
  url: string;
  description: string;
  stop?: () => Promise<void>;
}

async function resolveDatabase(env: NodeJS.ProcessEnv): Promise<ResolvedDatabase> {
  const e = checkConfig(env);
  if (e.DATABASE_URL) return { url: e.DATABASE_URL, description: 'DATABASE_URL' };
  const dir = join(e.DATA_DIR ?? '.data', 'pg');
  const { clusterDirFor, runningPostmaster } = await import('./embedded-postgres.js');
  const port = runningPostmaster(clusterDirFor(dir))?.port;
  if (port) {
    const url = `postgres://postgres:postgres@127.0.0.1:${port}/${EMBEDDED_DATABASE}`;
    return { url, description: `the running service's embedded PostgreSQL under ${dir} (${url})` };
  }
  const { startEmbeddedPostgres } = await import('./embedded-postgres.js');
  const db: EmbeddedDatabase = await startEmbeddedPostgres(dir, { database: EMBEDDED_DATABASE });
  return {
    url: db.url,
    description: `embedded PostgreSQL under ${dir}, started for this command (${db.url})`,
    stop: () => db.stop(),
  };
}

async function appliedNames(ds: DataSource): Promise<string[]> {
  const exists = await ds.query<{ t: string | null }[]>(`SELECT to_regclass('typeorm_migrations') AS t`);
  if (!exists[0]?.t) return [];
  const rows = await ds.query<{ name: string }[]>('SELECT name FROM typeorm_migrations ORDER BY id');
  return rows.map((r) => r.name);
}

async function withDataSource<T>(url: string, fn: (ds: DataSource) => Promise<T>): Promise<T> {
  const ds = new DataSource({ ...(await typeOrmOptions(url, 2)), logging: false });
  await ds.initialize();
  try {
    return await fn(ds);
  } finally {
    await ds.destroy();
  }
}

async function run(url: string): Promise<number> {
  return withDataSource(url, async (ds) => {
    const ran = await runMigrationsLocked(ds);
    const total = (await appliedNames(ds)).length;
    if (ran.length === 0) console.log(`No pending migration (${total} applied).`);
    else
      console.log(
        `Applied ${ran.length} migration(s) (${total} applied in all):\n${ran.map((m) => `  + ${m.name}`).join('\n')}`,
      );
    return 0;
  });
}

async function revert(url: string): Promise<number> {
  return withDataSource(url, async (ds) => {
    const before = await appliedNames(ds);
    if (before.length === 0) {
      console.log('No migration to revert.');
      return 0;
    }
    await ds.undoLastMigration({ transaction: 'each' });
    console.log(`Reverted ${before[before.length - 1]} (${before.length - 1} still applied).`);
    return 0;
  });
}

async function show(url: string): Promise<number> {
  return withDataSource(url, async (ds) => {
    const applied = new Set(await appliedNames(ds));
    const names = ds.migrations.map((m) => m.name ?? m.constructor.name);
    for (const name of names) console.log(`  [${applied.has(name) ? 'X' : ' '}] ${name}`);
    const pending = names.filter((n) => !applied.has(n)).length;
    console.log(`${applied.size} applied, ${pending} pending.`);
    return 0;
  });
}

/** TypeORM's own generator (its flags and exit codes), pointed at the resolved database. */
function generate(url: string, args: string[]): number {
  const cli = createRequire(import.meta.url).resolve('typeorm/cli.js');
  const dataSource = join(dirname(fileURLToPath(import.meta.url)), 'data-source.js');
  const res = spawnSync(process.execPath, [cli, 'migration:generate', '-d', dataSource, ...args], {
    stdio: 'inherit',
    env: { ...process.env, DATABASE_URL: url },
  });
  return res.status ?? 1;
}

const COMMANDS = ['run', 'revert', 'show', 'generate'] as const;

async function main(): Promise<number> {
  const [command, ...args] = process.argv.slice(2);
  if (!COMMANDS.includes(command as (typeof COMMANDS)[number])) {
    console.error(`usage: migration.cli.js ${COMMANDS.join('|')} [generate: path and TypeORM flags]`);
    return 2;
  }
  const db = await resolveDatabase(process.env);
  console.log(`Database: ${db.description}`);
  try {
    if (command === 'run') return await run(db.url);
    if (command === 'revert') return await revert(db.url);
    if (command === 'show') return await show(db.url);
    return generate(db.url, args);
  } finally {
    await db.stop?.();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`Migration command failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
