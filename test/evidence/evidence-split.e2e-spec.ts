// A split deployment: an instance with EVIDENCE_CONCURRENCY=0 takes callbacks and queues their
// image downloads without running any; another instance on the same database archives them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { startTestApp, TestApp } from '../support/app.js';
import { startStack, TestStack } from '../support/stack.js';
import { IDENTITY_KEY, KINDS, settledEvidence, startVerification } from './evidence-helpers.js';

describe('evidence archive left to another instance (EVIDENCE_CONCURRENCY=0)', () => {
  let live: TestStack;
  let archiver: TestApp | undefined;
  let dir: string;
  let pg: Client;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'onekyc-evidence-split-'));
    live = await startStack({
      IDENTITY_API_KEYS: IDENTITY_KEY,
      EVIDENCE_DIR: dir,
      EVIDENCE_POLL_INTERVAL_MS: '50',
      EVIDENCE_CONCURRENCY: '0',
    });
    pg = new Client({ connectionString: live.db.url });
    await pg.connect();
  });
  afterAll(async () => {
    await pg?.end();
    await archiver?.close();
    await live?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('queues the downloads with the callback, runs none, and another instance archives them', async () => {
    const id = await startVerification(live.baseUrl, 'ev-split');
    await live.control.complete(id, { result: 'VALID' });
    const statuses = async () =>
      (
        await pg.query<{ kind: string; status: string; attempts: number }>(
          'SELECT kind, status, attempts FROM evidence_objects WHERE submission_id = $1 ORDER BY kind',
          [id],
        )
      ).rows;
    const deadline = Date.now() + 10_000;
    while ((await statuses()).length < KINDS.length && Date.now() < deadline) await sleep(50);
    // Twenty poll intervals later, still untouched: this instance downloads nothing.
    await sleep(1000);
    expect(await statuses()).toEqual(
      [...KINDS].sort().map((kind) => ({ kind, status: 'PENDING', attempts: 0 })),
    );

    archiver = await startTestApp(
      { IDENTITY_API_KEYS: IDENTITY_KEY, EVIDENCE_DIR: dir, EVIDENCE_POLL_INTERVAL_MS: '50' },
      { db: live.db },
    );
    // Read through the live instance: it serves what the other one archived (one store).
    const listed = await settledEvidence(live.baseUrl, id);
    expect(listed.map((e) => e.status)).toEqual(['ARCHIVED', 'ARCHIVED', 'ARCHIVED']);
    const res = await fetch(`${live.baseUrl}/v1/verifications/${id}/evidence/KTP`, {
      headers: { authorization: `Bearer ${IDENTITY_KEY}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
  });

  it('refuses a negative EVIDENCE_CONCURRENCY at start, naming it', async () => {
    await expect(startTestApp({ EVIDENCE_CONCURRENCY: '-1' }, { db: live.db })).rejects.toThrow(
      /EVIDENCE_CONCURRENCY/,
    );
  });
});
