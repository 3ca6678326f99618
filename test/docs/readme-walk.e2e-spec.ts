// The README's curl walk, run as a reader would paste it: the block is taken from README.md and
// run with bash against the real service (`node dist/main.js` in sandbox mode on a fresh
// database, on a random port given through API and SB), so the README cannot drift from the
// service. docs/walk.http must make the same calls.
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/database/embedded-postgres.js';
import { ensureBuilt } from '../support/build.js';
import { createTestDatabase, TestDatabase } from '../support/database.js';

const root = process.cwd();

/** The bash block that follows the `<!-- curl-walk` marker in README.md. */
export function readmeWalk(readme = readFileSync(join(root, 'README.md'), 'utf8')): string {
  const match = /<!-- curl-walk[^>]*-->\s*```bash\n([\s\S]*?)```/.exec(readme);
  if (!match) throw new Error('README.md has no curl walk block (<!-- curl-walk --> then ```bash)');
  return match[1];
}

describe("the README's curl walk", () => {
  let db: TestDatabase;
  let dataDir: string;
  let service: ChildProcess;
  let logs = '';
  let api: string;
  let sandbox: string;

  beforeAll(async () => {
    ensureBuilt();
    db = await createTestDatabase({ migrate: false });
    dataDir = mkdtempSync(join(tmpdir(), 'onekyc-walk-'));
    chmodSync(dataDir, 0o755);
    const [port, sandboxPort] = [await freePort(), await freePort()];
    api = `http://127.0.0.1:${port}`;
    sandbox = `http://127.0.0.1:${sandboxPort}`;
    const clean = Object.fromEntries(
      Object.entries(process.env).filter(
        ([k]) => !/^(ONEKYC_|API_KEYS|ADMIN_API_KEYS|CALLBACK_|PII_|TEST_)/.test(k),
      ),
    );
    service = spawn(process.execPath, [join(root, 'dist', 'main.js')], {
      env: {
        ...clean,
        NODE_ENV: 'development',
        LOG_LEVEL: 'warn',
        PORT: String(port),
        SANDBOX_PORT: String(sandboxPort),
        DATABASE_URL: db.url,
        DATA_DIR: dataDir,
      },
    });
    service.stdout!.on('data', (d) => (logs += d));
    service.stderr!.on('data', (d) => (logs += d));
    const deadline = Date.now() + 90_000;
    for (;;) {
      if (service.exitCode !== null) throw new Error(`service exited:\n${logs}`);
      const ready = await fetch(`${api}/health/ready`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ready) break;
      if (Date.now() > deadline) throw new Error(`service not ready:\n${logs}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }, 180_000);

  afterAll(async () => {
    if (service && service.exitCode === null) {
      const exited = new Promise((r) => service.once('exit', r));
      service.kill('SIGTERM');
      await exited;
    }
    await db?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs pasted into bash and shows each step working', () => {
    const walk = readmeWalk();
    // `set -eu -o pipefail`: any failing command or unset variable fails the test, as it would
    // confuse a reader; the block itself stays plain for pasting.
    const out = execFileSync('bash', ['-c', `set -eu -o pipefail\n${walk}`], {
      env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp', API: api, SB: sandbox },
      encoding: 'utf8',
      timeout: 60_000,
    });
    const lines = out.trim().split('\n');
    // 1. created, with the national phone number accepted
    expect(lines[0]).toMatch(/^\{"id":"[0-9a-f-]{36}","status":"INITIATED"/);
    const id = /"id":"([^"]+)"/.exec(lines[0])![1];
    // 2. the sandbox delivered the callback
    expect(out).toContain('callback delivered: HTTP 200');
    // 3. the partner reads the outcome
    const read = lines.find((l) => l.startsWith(`{"id":"${id}"`) && l.includes('"status":"COMPLETED"'));
    expect(read).toContain('"result":"VALID"');
    // 4. the operator's view and the counts
    expect(lines.some((l) => l.includes(`"id":"${id}"`) && l.includes('"events":['))).toBe(true);
    expect(lines.some((l) => l.includes('"byStatus":{'))).toBe(true);
    // 5. the lost callback found by a forced re-check
    expect(lines[lines.length - 1]).toMatch(/"status":"COMPLETED".*"result":"INVALID"/);
    expect(out).not.toMatch(/"status":[45]\d\d/);
  }, 120_000);

  it('has an .http twin (docs/walk.http) making the same calls', () => {
    const calls = (text: string, pattern: RegExp) =>
      [...text.matchAll(pattern)].map((m) => `${m[1]} ${m[2].replace(/\{\{[^}]+\}\}|\$\{?\w+\}?/g, '*')}`);
    const http = readFileSync(join(root, 'docs', 'walk.http'), 'utf8');
    const fromHttp = calls(http, /^(GET|POST) \{\{\w+\}\}(\S*)/gm);
    const fromReadme = calls(
      readmeWalk().replace(/curl -s "([^"]+)"/g, 'curl -s -X GET "$1"'),
      /-X (GET|POST) "\$\w+([^"]*)"/g,
    );
    expect(fromHttp).toEqual(fromReadme);
  });
});
