// PII key rotation and the evidence archive: images are archived under data keys wrapped by the
// old PII key; after a new key is prepended and `pii:reencrypt` runs, the old key can go and every
// image still reads back byte for byte, while the objects in the store were never rewritten.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PiiReencryptionService } from '../../src/submissions/pii/pii-reencryption.service.js';
import { createTestDatabase, TestDatabase } from '../support/database.js';
import { bearer } from '../support/http.js';
import { startStack } from '../support/stack.js';
import {
  filesUnder,
  IDENTITY_KEY,
  servedBySandbox,
  settledEvidence,
  sha256,
  startVerification,
} from './evidence-helpers.js';

const key = (b: number) => Buffer.alloc(32, b).toString('base64');
const BLIND = key(42);

describe('evidence archive across a PII key rotation', () => {
  let db: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'onekyc-evidence-rot-'));
  });
  afterAll(async () => {
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('re-wraps data keys, not images; images read back after the old key is gone', async () => {
    const env = {
      IDENTITY_API_KEYS: IDENTITY_KEY,
      EVIDENCE_DIR: dir,
      EVIDENCE_POLL_INTERVAL_MS: '50',
      PII_BLIND_INDEX_KEY: BLIND,
    };
    const old = await startStack({ ...env, PII_ENCRYPTION_KEYS: `old:${key(1)}` }, { db });
    const id = await startVerification(old.baseUrl, 'ev-rotation');
    await old.control.complete(id, { result: 'VALID' });
    const listed = await settledEvidence(old.baseUrl, id);
    const provider = await servedBySandbox(old, id);
    await old.close();
    const objectsBefore = filesUnder(dir)
      .filter((f) => f.endsWith('.okev'))
      .map((f) => [f, sha256(readFileSync(f))]);
    expect(objectsBefore).toHaveLength(3);

    const rotated = await startStack({ ...env, PII_ENCRYPTION_KEYS: `new:${key(2)},old:${key(1)}` }, { db });
    const counts = await rotated.app.get(PiiReencryptionService).reencryptAll();
    expect(counts.evidence_objects).toBe(3);
    await rotated.close();

    const fresh = await startStack({ ...env, PII_ENCRYPTION_KEYS: `new:${key(2)}` }, { db });
    try {
      for (const e of listed) {
        const res = await fetch(`${fresh.baseUrl}/v1/verifications/${id}/evidence/${e.kind}`, {
          headers: bearer(IDENTITY_KEY),
        });
        expect(res.status).toBe(200);
        expect(sha256(Buffer.from(await res.arrayBuffer()))).toBe(sha256(provider[e.kind]));
      }
      // The objects themselves are untouched.
      for (const [f, hash] of objectsBefore) expect(sha256(readFileSync(f))).toBe(hash);
    } finally {
      await fresh.close();
    }
  });
});
