// Where the embedded PostgreSQL keeps its cluster when it runs as root: the server runs as the
// `postgres` user, which must reach the folder. Real folders and a real `postgres` user.
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { clusterDirFor, reachableBy, SHARED_ROOT } from '../../src/database/embedded-postgres.js';

const root = process.getuid?.() === 0;
function postgresUser(): { uid: number; gid: number } | undefined {
  try {
    return {
      uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })),
      gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })),
    };
  } catch {
    return undefined;
  }
}

describe.runIf(root && postgresUser())('embedded PostgreSQL folders as root', () => {
  let base: string;
  beforeAll(() => {
    base = mkdtempSync(join(tmpdir(), 'onekyc-reach-'));
  });
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it('keeps the cluster in the data folder when the postgres user can reach it', () => {
    chmodSync(base, 0o755);
    const who = postgresUser()!;
    expect(reachableBy(who, base)).toBe(true);
    expect(clusterDirFor(join(base, 'open', 'pg'), who)).toBe(join(base, 'open', 'pg'));
  });

  it('moves it under the shared folder, the same on every start, when a parent is private (0700)', () => {
    const privateDir = join(base, 'private');
    mkdirSync(privateDir, { mode: 0o700 });
    chmodSync(privateDir, 0o700);
    const who = postgresUser()!;
    expect(reachableBy(who, privateDir)).toBe(false);
    const dir = join(privateDir, 'checkout', '.data', 'pg');
    const first = clusterDirFor(dir, who);
    expect(first.startsWith(SHARED_ROOT + '/')).toBe(true);
    expect(clusterDirFor(dir, who)).toBe(first);
    expect(clusterDirFor(join(privateDir, 'other', 'pg'), who)).not.toBe(first);
  });
});
