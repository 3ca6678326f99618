// TypeORM options shared by the app, the CLI data source and the tests: one place that knows
// where the migrations are (the entities are given by the caller that needs them: src/entities.ts), compiled (dist/migrations/*.js) or from source
// (migrations/*.ts under Vitest, whose module loader compiles them).
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DataSourceOptions, MixedList } from 'typeorm';

const here = fileURLToPath(import.meta.url);
const compiled = here.endsWith('.js');
export const MIGRATIONS_DIR = compiled
  ? join(dirname(here), '..', 'migrations')
  : join(dirname(here), '..', '..', 'migrations');

let cached: Promise<MixedList<Function>> | undefined;

/** The migration classes, in file-name (timestamp) order. */
export function loadMigrations(): Promise<MixedList<Function>> {
  cached ??= (async () => {
    const ext = compiled ? '.js' : '.ts';
    const files = readdirSync(MIGRATIONS_DIR)
      .filter((f) => f.endsWith(ext) && !f.endsWith('.d.ts') && /^\d+-/.test(f))
      .sort();
    const classes: Function[] = [];
    for (const f of files) {
      const mod = (await import(pathToFileURL(join(MIGRATIONS_DIR, f)).href)) as Record<string, unknown>;
      for (const v of Object.values(mod)) if (typeof v === 'function') classes.push(v as Function);
    }
    return classes;
  })();
  return cached;
}

export async function typeOrmOptions(
  url: string,
  poolSize = 20,
  entities: Function[] = [],
): Promise<DataSourceOptions> {
  return {
    type: 'postgres',
    url,
    entities,
    migrations: await loadMigrations(),
    migrationsTableName: 'typeorm_migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: false,
    extra: {
      max: poolSize,
      // Fail fast when the database is gone instead of queueing requests forever.
      connectionTimeoutMillis: 3000,
      idleTimeoutMillis: 30000,
      statement_timeout: 15000,
      application_name: 'onekyc-orchestrator',
    },
  };
}
