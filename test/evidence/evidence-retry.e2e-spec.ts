// Retries end to end: the store cannot be written (its folder's parent is a file), so each image's
// first attempt fails after a good download and is scheduled again with backoff, visible to
// operators; the service still starts and answers. Once the folder can be made, the next attempt
// archives the image.
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TEST_ADMIN_KEY } from '../support/app.js';
import { bearer, json } from '../support/http.js';
import { startStack, TestStack } from '../support/stack.js';
import { IDENTITY_KEY, settledEvidence, startVerification } from './evidence-helpers.js';

describe('evidence downloads retry with backoff (real app, sandbox, PostgreSQL)', () => {
  let s: TestStack;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'onekyc-evidence-retry-'));
    writeFileSync(join(dir, 'blocker'), 'not a folder');
    s = await startStack({
      IDENTITY_API_KEYS: IDENTITY_KEY,
      EVIDENCE_DIR: join(dir, 'blocker', 'store'),
      EVIDENCE_POLL_INTERVAL_MS: '50',
    });
  });
  afterAll(async () => {
    await s?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('schedules another attempt after a failure, then archives', async () => {
    const id = await startVerification(s.baseUrl, 'ev-retry');
    await s.control.complete(id, { result: 'VALID' });
    let list: { status: string; attempts: number; lastError: string | null; nextAttemptAt: string | null }[] =
      [];
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      list = (
        await json(
          await fetch(`${s.baseUrl}/admin/submissions/${id}/evidence`, { headers: bearer(TEST_ADMIN_KEY) }),
        )
      ).data;
      if (list.length === 3 && list.every((e) => e.lastError)) break;
      await sleep(100);
    }
    for (const e of list) {
      expect(e).toMatchObject({
        status: 'PENDING',
        attempts: 1,
        lastError: expect.stringMatching(/store write failed/),
      });
      // Backoff: 15 s with jitter (7.5 to 15 s) after the first failure.
      const wait = Date.parse(e.nextAttemptAt!) - Date.now();
      expect(wait).toBeGreaterThan(5_000);
      expect(wait).toBeLessThanOrEqual(15_000);
    }
    const metrics = await (await fetch(`${s.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/onekyc_evidence_downloads_total\{outcome="retrying"\} 3/);

    unlinkSync(join(dir, 'blocker'));
    mkdirSync(join(dir, 'blocker'));
    const settled = await settledEvidence(s.baseUrl, id, 30_000);
    expect(settled.map((e) => e.status)).toEqual(['ARCHIVED', 'ARCHIVED', 'ARCHIVED']);
    list = (
      await json(
        await fetch(`${s.baseUrl}/admin/submissions/${id}/evidence`, { headers: bearer(TEST_ADMIN_KEY) }),
      )
    ).data;
    expect(list.map((e) => [e.attempts, e.lastError])).toEqual([
      [2, null],
      [2, null],
      [2, null],
    ]);
  }, 60_000);
});
