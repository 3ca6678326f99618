// A kill -9 of the service while it downloads evidence: the built service (`node dist/main.js`) as
// a real process, the provider sandbox in this process serving 1 MiB images, the fs store. After
// the kill nothing half-written is an object (an object is whole or absent; unfinished writes
// only ever live under .tmp/); after a restart the leased downloads run again once their lease
// runs out, leftovers are cleared, and every image is archived exactly once, byte for byte.
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { freePort } from '../../src/database/embedded-postgres.js';
import { startSandbox, RunningSandbox } from '../../src/sandbox/sandbox.server.js';
import { SandboxControlClient } from '../../src/sandbox/sandbox-control.client.js';
import { PiiCipher } from '../../src/submissions/pii/pii-cipher.js';
import { EvidenceCipher } from '../../src/evidence/evidence-cipher.js';
import { buildConfig } from '../../src/config/app-config.js';
import { TEST_CALLBACK_SECRET, testEnv } from '../support/app.js';
import { ensureBuilt } from '../support/build.js';
import { createTestDatabase, TestDatabase } from '../support/database.js';
import { bearer } from '../support/http.js';
import { filesUnder, IDENTITY_KEY, sha256, startVerification } from './evidence-helpers.js';

const VERIFICATIONS = 12;
const IMAGE_BYTES = 1024 * 1024;

describe('evidence downloads across a kill -9 (service as a process)', () => {
  let db: TestDatabase;
  let sandbox: RunningSandbox;
  let control: SandboxControlClient;
  let dir: string;
  let pg: Client;
  let child: ChildProcess | null = null;
  let out = '';
  const env = testEnv();

  const startService = async (port: number): Promise<void> => {
    out = '';
    child = spawn(process.execPath, [ensureBuilt()], {
      env: {
        PATH: process.env.PATH,
        ...env,
        NODE_ENV: 'development',
        LOG_LEVEL: 'warn',
        LOG_FORMAT: 'json',
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: join(dir, 'data'),
        DATABASE_URL: db.url,
        ONEKYC_API_BASE_URL: sandbox.url,
        IDENTITY_API_KEYS: IDENTITY_KEY,
        EVIDENCE_DIR: join(dir, 'store'),
        EVIDENCE_CONCURRENCY: '2',
        EVIDENCE_POLL_INTERVAL_MS: '50',
        // A short download timeout: the lease (3 x timeout + 15 s) a killed process holds runs out soon.
        EVIDENCE_DOWNLOAD_TIMEOUT_MS: '2000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`service exited:\n${out}`);
      try {
        if ((await fetch(`http://127.0.0.1:${port}/health/ready`)).status === 200) return;
      } catch {
        /* not listening yet */
      }
      await sleep(100);
    }
    throw new Error(`service not ready:\n${out}`);
  };
  const kill9 = async () => {
    const c = child!;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
    child = null;
  };
  const counts = async () =>
    Object.fromEntries(
      (await pg.query(`SELECT status, count(*)::int AS n FROM evidence_objects GROUP BY status`)).rows.map(
        (r) => [r.status, r.n],
      ),
    ) as Record<string, number>;

  beforeAll(async () => {
    ensureBuilt();
    db = await createTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'onekyc-evidence-crash-'));
    sandbox = await startSandbox({
      port: 0,
      host: '127.0.0.1',
      clientId: env.ONEKYC_CLIENT_ID!,
      passKey: env.ONEKYC_PASS_KEY!,
      onboardingPartner: env.ONEKYC_ONBOARDING_PARTNER!,
      callbackMethod: 'POST',
      callbackAuthHeader: 'authorization',
      callbackAuthValue: TEST_CALLBACK_SECRET,
      // Big enough that downloads and writes take a while: JPEG bytes, then padding.
      faults: { images: { body: 'oversize', oversizeBytes: IMAGE_BYTES } },
      seed: 77,
    });
    control = new SandboxControlClient(sandbox.url);
    pg = new Client({ connectionString: db.url });
    await pg.connect();
  }, 300_000);
  afterAll(async () => {
    if (child) await kill9();
    await pg?.end();
    await sandbox?.close();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('leaves no half-written object and finishes every download after a restart', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    await control.updateSettings({ callbackUrl: `${base}/v1/callbacks/onekyc` });
    await startService(port);

    const ids: string[] = [];
    for (let i = 0; i < VERIFICATIONS; i++) ids.push(await startVerification(base, `ev-crash-${i}`));
    for (const id of ids) await control.complete(id, { result: 'VALID' });

    // Kill while downloads are under way: some archived, some not yet.
    const total = VERIFICATIONS * 3;
    const deadline = Date.now() + 30_000;
    let c = await counts();
    while ((c.ARCHIVED ?? 0) < 2 && Date.now() < deadline) {
      await sleep(10);
      c = await counts();
    }
    await kill9();
    c = await counts();
    expect(c.ARCHIVED ?? 0).toBeGreaterThanOrEqual(2);
    expect(c.ARCHIVED ?? 0).toBeLessThan(total);

    // Right after the kill: every object in the store is whole (opens, and its hash is the
    // recorded one) or is the declared target of a download that did not record it yet.
    const pii = new PiiCipher(buildConfig(env, { databaseUrl: db.url }));
    const cipher = new EvidenceCipher(pii);
    const store = join(dir, 'store');
    const rows = (
      await pg.query(
        `SELECT status, store_key, data_key_enc, sha256 FROM evidence_objects WHERE store_key IS NOT NULL`,
      )
    ).rows as { status: string; store_key: string; data_key_enc: string | null; sha256: string | null }[];
    const byKey = new Map(rows.map((r) => [r.store_key, r]));
    const objects = filesUnder(store).filter((f) => !f.includes('/.tmp/'));
    for (const f of objects) {
      const key = f.slice(store.length + 1);
      const row = byKey.get(key);
      expect(row, `object ${key} is known to the database`).toBeDefined();
      if (row!.status === 'ARCHIVED') {
        expect(sha256(cipher.open(readFileSync(f), key, row!.data_key_enc!))).toBe(row!.sha256);
      } else {
        expect(row!.status).toBe('PENDING');
        expect(readFileSync(f).subarray(0, 4).toString('latin1')).toBe('OKEV');
      }
    }

    // Restart: the killed process's leases run out, the downloads resume and finish.
    await startService(port);
    const resumeDeadline = Date.now() + 90_000;
    while (Date.now() < resumeDeadline) {
      c = await counts();
      if ((c.ARCHIVED ?? 0) === total) break;
      await sleep(250);
    }
    expect(c).toEqual({ ARCHIVED: total });

    // Exactly one whole object per image, nothing unfinished left, every image byte for byte.
    const after = filesUnder(store);
    expect(after.filter((f) => f.includes('/.tmp/'))).toEqual([]);
    expect(after.filter((f) => f.endsWith('.okev'))).toHaveLength(total);
    for (const id of ids) {
      const { rows: sub } = await pg.query('SELECT image_urls_enc FROM submissions WHERE id = $1', [id]);
      const urls = pii.decryptJson<Record<string, string>>(sub[0].image_urls_enc);
      for (const kind of ['KTP', 'SELFIE', 'ADDITIONAL_SELFIE']) {
        const provider = Buffer.from(await (await fetch(urls[kind])).arrayBuffer());
        expect(provider.length).toBe(IMAGE_BYTES);
        const res = await fetch(`${base}/v1/verifications/${id}/evidence/${kind}`, {
          headers: bearer(IDENTITY_KEY),
        });
        expect(res.status).toBe(200);
        expect(sha256(Buffer.from(await res.arrayBuffer()))).toBe(sha256(provider));
      }
    }
    expect(out).not.toMatch(/"level":(50|60)/);
  }, 300_000);
});
