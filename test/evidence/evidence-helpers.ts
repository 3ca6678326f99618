// Helpers of the evidence tests: start a verification, wait for its images to settle, fetch what
// the sandbox serves at the (decrypted) image URLs, and scan a folder for plaintext images.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { PiiCipher } from '../../src/submissions/pii/pii-cipher.js';
import { TEST_API_KEY } from '../support/app.js';
import { bearer, json } from '../support/http.js';
import type { TestStack } from '../support/stack.js';

export const IDENTITY_KEY = 'test-identity-key-evidence-000001';
export const KINDS = ['KTP', 'SELFIE', 'ADDITIONAL_SELFIE'] as const;

export const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

export async function startVerification(baseUrl: string, userId: string): Promise<string> {
  const res = await fetch(`${baseUrl}/v1/verifications`, {
    method: 'POST',
    headers: { ...bearer(TEST_API_KEY), 'content-type': 'application/json' },
    body: JSON.stringify({
      userId,
      email: `${userId}@example.test`,
      verification: { isVerified: true, verificationReferenceId: `otp-${userId}` },
    }),
  });
  if (res.status !== 201) throw new Error(`POST /v1/verifications: ${res.status} ${await res.text()}`);
  return (await json(res)).id as string;
}

export interface ListedEvidence {
  kind: string;
  status: string;
  contentType: string | null;
  size: number | null;
  sha256: string | null;
}

/** The evidence the identity read lists, once no image is PENDING any more. */
export async function settledEvidence(
  baseUrl: string,
  id: string,
  timeoutMs = 20_000,
): Promise<ListedEvidence[]> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    const res = await fetch(`${baseUrl}/v1/verifications/${id}/identity`, { headers: bearer(IDENTITY_KEY) });
    last = await res.json();
    const evidence = (last as { evidence?: ListedEvidence[] }).evidence ?? [];
    if (res.status === 200 && evidence.length > 0 && evidence.every((e) => e.status !== 'PENDING'))
      return evidence;
    await sleep(100);
  }
  throw new Error(`evidence of ${id} not settled: ${JSON.stringify(last)}`);
}

/** The image URLs the service holds for a verification (decrypted with the test's key). */
export async function imageUrls(s: TestStack, id: string): Promise<Record<string, string>> {
  const pg = new Client({ connectionString: s.db.url });
  await pg.connect();
  try {
    const { rows } = await pg.query('SELECT image_urls_enc FROM submissions WHERE id = $1', [id]);
    return new PiiCipher(s.config).decryptJson(rows[0].image_urls_enc);
  } finally {
    await pg.end();
  }
}

/** What the sandbox itself serves at those URLs (the provider's bytes). */
export async function servedBySandbox(s: TestStack, id: string): Promise<Record<string, Buffer>> {
  const urls = await imageUrls(s, id);
  const out: Record<string, Buffer> = {};
  for (const [kind, url] of Object.entries(urls)) {
    const res = await fetch(url);
    if (res.status !== 200) throw new Error(`sandbox image ${kind}: ${res.status}`);
    out[kind] = Buffer.from(await res.arrayBuffer());
  }
  return out;
}

export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

/** True when any image (whole, or any 32-byte slice of its tail half) appears in `blob`. */
export function containsPlaintext(blob: Buffer, images: Buffer[]): boolean {
  for (const img of images) {
    if (blob.includes(img)) return true;
    for (let i = Math.floor(img.length / 2); i + 32 <= img.length; i += 32) {
      if (blob.includes(img.subarray(i, i + 32))) return true;
    }
  }
  return false;
}

export function readAll(files: string[]): Buffer[] {
  return files.map((f) => readFileSync(f));
}
