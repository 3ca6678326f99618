// Starts one PostgreSQL for the whole run: the one in DATABASE_URL, or an embedded server.
// Each test file then creates its own database from TEST_ADMIN_DATABASE_URL (see database.ts).
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres.js';

export default async function globalSetup(): Promise<() => Promise<void>> {
  if (process.env.DATABASE_URL) {
    process.env.TEST_ADMIN_DATABASE_URL = process.env.DATABASE_URL;
    return async () => {};
  }
  const dir = mkdtempSync(join(tmpdir(), 'onekyc-test-pg-'));
  chmodSync(dir, 0o755); // as root, the server runs as a 'postgres' user that must reach its data dir
  let db: Awaited<ReturnType<typeof startEmbeddedPostgres>>;
  try {
    db = await startEmbeddedPostgres(join(dir, 'pg'), { database: 'postgres' });
  } catch (err) {
    // Printed here too: a failing global set-up must say why, whatever the reporter shows.
    process.stderr.write(
      `Test set-up could not start the embedded PostgreSQL (set DATABASE_URL to use another server):\n` +
        `${err instanceof Error ? err.message : String(err)}\n`,
    );
    rmSync(dir, { recursive: true, force: true });
    throw err instanceof Error ? err : new Error(String(err));
  }
  process.env.TEST_ADMIN_DATABASE_URL = db.url;
  return async () => {
    await db.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}
