// The evidence archive's `s3` store against a real S3-compatible server (s3rver, started here on
// loopback, speaking the S3 protocol over HTTP with signed requests): archive after a callback,
// the bytes read back equal to the provider's, no plaintext in the bucket (read back over the S3
// API and on the server's disk), erasure leaving the bucket empty.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { TEST_ADMIN_KEY } from '../support/app.js';
import { bearer } from '../support/http.js';
import { startStack, TestStack } from '../support/stack.js';
import {
  containsPlaintext,
  filesUnder,
  IDENTITY_KEY,
  servedBySandbox,
  settledEvidence,
  sha256,
  startVerification,
} from './evidence-helpers.js';

const BUCKET = 'onekyc-evidence-test';

describe('evidence archive (s3 store against s3rver)', () => {
  let s: TestStack;
  let server: S3rver;
  let s3Dir: string;
  let endpoint: string;
  let client: S3Client;
  const savedEnv = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };

  const listKeys = async () =>
    ((await client.send(new ListObjectsV2Command({ Bucket: BUCKET }))).Contents ?? []).map((o) => o.Key!);

  beforeAll(async () => {
    s3Dir = mkdtempSync(join(tmpdir(), 'onekyc-s3rver-'));
    server = new S3rver({
      port: 0,
      address: '127.0.0.1',
      silent: true,
      directory: s3Dir,
      configureBuckets: [{ name: BUCKET, configs: [] }],
    });
    const { port } = await server.run();
    endpoint = `http://127.0.0.1:${port}`;
    // The default credential chain reads these (s3rver's own development credentials).
    process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
    process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
    client = new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true });
    s = await startStack({
      IDENTITY_API_KEYS: IDENTITY_KEY,
      EVIDENCE_STORE: 's3',
      EVIDENCE_S3_BUCKET: BUCKET,
      EVIDENCE_S3_REGION: 'us-east-1',
      EVIDENCE_S3_ENDPOINT: endpoint,
      EVIDENCE_S3_FORCE_PATH_STYLE: 'true',
      EVIDENCE_POLL_INTERVAL_MS: '50',
    });
  });
  afterAll(async () => {
    await s?.close();
    client?.destroy();
    await server?.close();
    rmSync(s3Dir, { recursive: true, force: true });
    process.env.AWS_ACCESS_KEY_ID = savedEnv.id;
    process.env.AWS_SECRET_ACCESS_KEY = savedEnv.secret;
    if (savedEnv.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
    if (savedEnv.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
  });

  it('archives into the bucket, encrypted; reads give back the provider bytes; erasure empties the bucket', async () => {
    const ids = [
      await startVerification(s.baseUrl, 'ev-s3-a'),
      await startVerification(s.baseUrl, 'ev-s3-b'),
    ];
    // The sandbox encodes at serving time: WebP for both.
    await s.control.setFaults({ images: { format: 'webp' } });
    for (const id of ids) await s.control.complete(id, { result: 'VALID' });
    const served: Buffer[] = [];
    for (const id of ids) {
      const listed = await settledEvidence(s.baseUrl, id);
      const provider = await servedBySandbox(s, id);
      served.push(...Object.values(provider));
      for (const e of listed) {
        expect(e.status).toBe('ARCHIVED');
        expect(e.sha256).toBe(sha256(provider[e.kind]));
        const res = await fetch(`${s.baseUrl}/v1/verifications/${id}/evidence/${e.kind}`, {
          headers: bearer(IDENTITY_KEY),
        });
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toBe('image/webp');
        expect(res.headers.get('cache-control')).toBe('no-store');
        expect(sha256(Buffer.from(await res.arrayBuffer()))).toBe(e.sha256);
      }
    }

    // Six objects, none readable: over the S3 API and on the server's disk.
    const keys = await listKeys();
    expect(keys).toHaveLength(6);
    for (const key of keys) {
      const out = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
      const blob = Buffer.from(await out.Body!.transformToByteArray());
      expect(blob.subarray(0, 4).toString('latin1')).toBe('OKEV');
      expect(containsPlaintext(blob, served)).toBe(false);
    }
    for (const file of filesUnder(s3Dir)) expect(containsPlaintext(readFileSync(file), served)).toBe(false);

    const erased = await fetch(`${s.baseUrl}/admin/erasures`, {
      method: 'POST',
      headers: { ...bearer(TEST_ADMIN_KEY), 'content-type': 'application/json' },
      body: JSON.stringify({ userId: 'ev-s3-a', reason: 'data subject request' }),
    });
    expect(erased.status).toBe(200);
    expect((await listKeys()).filter((k) => k.startsWith(ids[0]))).toEqual([]);
    expect((await listKeys()).filter((k) => k.startsWith(ids[1]))).toHaveLength(3);
    const gone = await fetch(`${s.baseUrl}/v1/verifications/${ids[0]}/evidence/KTP`, {
      headers: bearer(IDENTITY_KEY),
    });
    expect(gone.status).toBe(410);
  });
});
