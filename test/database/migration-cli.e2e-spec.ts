// `npm run migration:*` as a developer runs them: against DATABASE_URL, or with no configuration
// against sandbox mode's embedded PostgreSQL (started for the command when the service is not
// running); each prints which database it used and a summary, never the SQL it ran.
import { execFileSync, execSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt } from '../support/build.js';
import { createTestDatabase, TestDatabase } from '../support/database.js';

const cli = (args: string[], env: Record<string, string | undefined>) => {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'DATABASE_URL'));
  return execFileSync(
    process.execPath,
    [join(process.cwd(), 'dist', 'database', 'migration.cli.js'), ...args],
    {
      env: { ...clean, ...env },
      encoding: 'utf8',
    },
  );
};

describe('the migration commands', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    ensureBuilt();
    db = await createTestDatabase({ migrate: false });
  }, 180_000);
  afterAll(async () => {
    await db?.drop();
  });

  it('apply, show and revert against DATABASE_URL with a summary, not the SQL', () => {
    const first = cli(['run'], { DATABASE_URL: db.url });
    expect(first).toContain('Database: DATABASE_URL');
    expect(first).toMatch(/Applied \d+ migration\(s\)/);
    expect(first).toContain('+ CreateCoreTables1764115200000');
    expect(first).not.toMatch(/CREATE TABLE|query:/i);

    expect(cli(['run'], { DATABASE_URL: db.url })).toMatch(/No pending migration \(\d+ applied\)/);
    const reverted = cli(['revert'], { DATABASE_URL: db.url });
    expect(reverted).toMatch(/Reverted \w+\d+ \(\d+ still applied\)/);
    const shown = cli(['show'], { DATABASE_URL: db.url });
    expect(shown).toContain('[X] CreateCoreTables1764115200000');
    expect(shown).toMatch(/\[ \] \w+/);
    expect(shown).toMatch(/\d+ applied, 1 pending\./);
  }, 120_000);

  it('use the embedded PostgreSQL of sandbox mode when DATABASE_URL is unset, and leave no server behind', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'onekyc-migrate-'));
    chmodSync(dataDir, 0o755); // as root, the embedded server runs as 'postgres' and must reach it
    try {
      const out = cli(['run'], { DATA_DIR: dataDir });
      expect(out).toContain(
        `Database: embedded PostgreSQL under ${join(dataDir, 'pg')}, started for this command`,
      );
      expect(out).toMatch(/Applied \d+ migration\(s\)/);
      expect(() => execSync(`pgrep -f "[p]ostgres -D ${join(dataDir, 'pg')}"`)).toThrow();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000);
});
