// Applies pending migrations under a PostgreSQL advisory lock, so several instances starting at
// once against one database run each migration exactly once (the others wait, then find none).
import { DataSource, Migration } from 'typeorm';

const MIGRATION_LOCK_KEY = 7_310_042_001; // arbitrary, fixed: "onekyc migrations"

export async function runMigrationsLocked(dataSource: DataSource): Promise<Migration[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      return await dataSource.runMigrations({ transaction: 'each' });
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await runner.release();
  }
}
