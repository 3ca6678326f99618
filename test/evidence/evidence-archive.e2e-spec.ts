// The evidence archive end to end with the fs store: the real app on PostgreSQL, the provider
// sandbox over HTTP serving real (synthetic) images at signed, expiring URLs. Archive after a
// callback and after a poll, the bytes read back equal to what the provider served, expired-first
// and not-an-image outcomes, nothing readable in the store, erasure and retention deleting objects.
import { existsSync, mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { RetentionService } from '../../src/retention/retention.service.js';
import { TEST_ADMIN_KEY, TEST_API_KEY } from '../support/app.js';
import { bearer, json } from '../support/http.js';
import { startStack, TestStack } from '../support/stack.js';
import {
  containsPlaintext,
  filesUnder,
  IDENTITY_KEY,
  KINDS,
  readAll,
  servedBySandbox,
  settledEvidence,
  sha256,
  startVerification,
} from './evidence-helpers.js';

describe('evidence archive (fs store, real app, sandbox, PostgreSQL)', () => {
  let s: TestStack;
  let dir: string;
  let pg: Client;
  /** Every image the sandbox served in this file: none may appear in clear in the store. */
  const served: Buffer[] = [];

  const get = (path: string, key: string) => fetch(`${s.baseUrl}${path}`, { headers: bearer(key) });
  const rowsOf = async (id: string) =>
    (
      await pg.query(
        `SELECT kind, status, store_key, data_key_enc, last_error, object_deleted_at FROM evidence_objects
         WHERE submission_id = $1 ORDER BY kind`,
        [id],
      )
    ).rows;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'onekyc-evidence-'));
    s = await startStack({
      IDENTITY_API_KEYS: IDENTITY_KEY,
      EVIDENCE_DIR: dir,
      EVIDENCE_POLL_INTERVAL_MS: '50',
    });
    pg = new Client({ connectionString: s.db.url });
    await pg.connect();
  });
  afterAll(async () => {
    await pg?.end();
    await s?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    await s.control.resetFaults();
  });

  it('archives every image after the callback; reads give back the provider bytes, audited, no-store', async () => {
    const id = await startVerification(s.baseUrl, 'ev-callback');
    await s.control.complete(id, { result: 'VALID' });
    const listed = await settledEvidence(s.baseUrl, id);
    const provider = await servedBySandbox(s, id);
    served.push(...Object.values(provider));
    expect(listed.map((e) => e.kind)).toEqual([...KINDS]);

    for (const e of listed) {
      expect(e).toMatchObject({ status: 'ARCHIVED', contentType: 'image/jpeg' });
      expect(e.sha256).toBe(sha256(provider[e.kind]));
      expect(e.size).toBe(provider[e.kind].length);

      const res = await get(`/v1/verifications/${id}/evidence/${e.kind}`, IDENTITY_KEY);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/jpeg');
      expect(res.headers.get('cache-control')).toBe('no-store');
      const body = Buffer.from(await res.arrayBuffer());
      expect(sha256(body)).toBe(sha256(provider[e.kind]));
      expect(res.headers.get('repr-digest')).toBe(
        `sha-256=:${Buffer.from(e.sha256!, 'hex').toString('base64')}:`,
      );
    }

    const admin = await get(`/admin/submissions/${id}/evidence/KTP`, TEST_ADMIN_KEY);
    expect(admin.status).toBe(200);
    expect(admin.headers.get('cache-control')).toBe('no-store');
    expect(sha256(Buffer.from(await admin.arrayBuffer()))).toBe(sha256(provider.KTP));

    // Each read is on record: three by the identity key, one by the operator.
    const log = await json(
      await get(`/admin/audit-log?action=evidence.read&submissionId=${id}`, TEST_ADMIN_KEY),
    );
    expect(log.data).toHaveLength(4);
    expect(log.data.map((r: { actorKind: string }) => r.actorKind).sort()).toEqual([
      'admin',
      'identity',
      'identity',
      'identity',
    ]);
    expect(JSON.stringify(log.data)).not.toContain(IDENTITY_KEY);

    // The operators' list shows the download state.
    const list = await json(await get(`/admin/submissions/${id}/evidence`, TEST_ADMIN_KEY));
    expect(list.data.map((e: { status: string }) => e.status)).toEqual(['ARCHIVED', 'ARCHIVED', 'ARCHIVED']);
    expect(list.data[0].attempts).toBe(1);
  });

  it('archives after a poll (callback lost), PNG as PNG', async () => {
    await s.control.setFaults({ images: { format: 'png' } });
    const id = await startVerification(s.baseUrl, 'ev-poll');
    await s.control.complete(id, { result: 'VALID', deliver: false });
    const reconciled = await fetch(`${s.baseUrl}/admin/submissions/${id}/reconcile`, {
      method: 'POST',
      headers: bearer(TEST_ADMIN_KEY),
    });
    expect(reconciled.status).toBe(200);
    const listed = await settledEvidence(s.baseUrl, id);
    const provider = await servedBySandbox(s, id);
    served.push(...Object.values(provider));
    for (const e of listed) {
      expect(e).toMatchObject({
        status: 'ARCHIVED',
        contentType: 'image/png',
        sha256: sha256(provider[e.kind]),
      });
      const res = await get(`/v1/verifications/${id}/evidence/${e.kind}`, IDENTITY_KEY);
      expect(res.headers.get('content-type')).toBe('image/png');
      expect(sha256(Buffer.from(await res.arrayBuffer()))).toBe(e.sha256);
    }
  });

  it('a URL that expired before the download ends EXPIRED (404 to read); counted', async () => {
    await s.control.setFaults({ images: { lifetimeSeconds: 1 } });
    const id = await startVerification(s.baseUrl, 'ev-expired');
    await s.control.complete(id, { result: 'VALID', deliver: false });
    await sleep(1_100);
    await fetch(`${s.baseUrl}/admin/submissions/${id}/reconcile`, {
      method: 'POST',
      headers: bearer(TEST_ADMIN_KEY),
    });
    const listed = await settledEvidence(s.baseUrl, id);
    expect(listed.map((e) => e.status)).toEqual(['EXPIRED', 'EXPIRED', 'EXPIRED']);
    expect(listed.every((e) => e.sha256 === null && e.size === null)).toBe(true);
    const res = await get(`/v1/verifications/${id}/evidence/SELFIE`, IDENTITY_KEY);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect((await json(res)).detail).toMatch(/not archived \(status EXPIRED\)/);
    const metrics = await (await fetch(`${s.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/onekyc_evidence_downloads_total\{outcome="expired"\} [1-9]/);
  });

  it.each([
    ['html', /not an image/],
    ['html-as-image', /not an image/],
    ['oversize', /too large/],
    ['oversize-chunked', /too large/],
  ] as const)('a body that is %s ends FAILED with the reason shown to operators', async (body, reason) => {
    await s.control.setFaults({ images: { body } });
    const id = await startVerification(s.baseUrl, `ev-${body}`);
    await s.control.complete(id, { result: 'VALID' });
    const listed = await settledEvidence(s.baseUrl, id);
    expect(listed.map((e) => e.status)).toEqual(['FAILED', 'FAILED', 'FAILED']);
    const list = await json(await get(`/admin/submissions/${id}/evidence`, TEST_ADMIN_KEY));
    for (const e of list.data) expect(e.lastError).toMatch(reason);
    expect((await rowsOf(id)).every((r) => r.store_key === null)).toBe(true);
    const metrics = await (await fetch(`${s.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/onekyc_evidence_downloads_total\{outcome="failed"\} [1-9]/);
  });

  it('refuses a bad kind (400 naming it), a partner key without identity rights (403), an unknown id (404)', async () => {
    const id = await startVerification(s.baseUrl, 'ev-refusals');
    const bad = await get(`/v1/verifications/${id}/evidence/PASSPORT`, IDENTITY_KEY);
    expect(bad.status).toBe(400);
    expect((await json(bad)).errors).toEqual([{ field: 'kind', message: expect.stringContaining('KTP') }]);
    const badAdmin = await get(`/admin/submissions/${id}/evidence/ktp`, TEST_ADMIN_KEY);
    expect(badAdmin.status).toBe(400);
    expect((await get(`/v1/verifications/${id}/evidence/KTP`, TEST_API_KEY)).status).toBe(403);
    const none = await get(
      `/v1/verifications/00000000-0000-4000-8000-000000000000/evidence/KTP`,
      IDENTITY_KEY,
    );
    expect(none.status).toBe(404);
    const pending = await get(`/v1/verifications/${id}/evidence/KTP`, IDENTITY_KEY);
    expect(pending.status).toBe(404);
    expect((await json(pending)).detail).toMatch(/has no KTP image/);
  });

  it('an archived object missing from the store is a 404 problem, never a 500', async () => {
    const id = await startVerification(s.baseUrl, 'ev-missing');
    await s.control.complete(id, { result: 'VALID' });
    await settledEvidence(s.baseUrl, id);
    const [row] = (await rowsOf(id)).filter((r) => r.kind === 'SELFIE');
    unlinkSync(join(dir, row.store_key));
    const res = await get(`/v1/verifications/${id}/evidence/SELFIE`, IDENTITY_KEY);
    expect(res.status).toBe(404);
    expect((await json(res)).type).toMatch(/evidence-missing$/);
  });

  it('erasure deletes the objects and their keys; reads answer 410', async () => {
    const id = await startVerification(s.baseUrl, 'ev-erase');
    await s.control.complete(id, { result: 'VALID' });
    const listed = await settledEvidence(s.baseUrl, id);
    expect((await get(`/v1/verifications/${id}/evidence/KTP`, IDENTITY_KEY)).status).toBe(200);
    const before = await rowsOf(id);
    expect(before.every((r) => existsSync(join(dir, r.store_key)))).toBe(true);

    const erased = await fetch(`${s.baseUrl}/admin/erasures`, {
      method: 'POST',
      headers: { ...bearer(TEST_ADMIN_KEY), 'content-type': 'application/json' },
      body: JSON.stringify({ userId: 'ev-erase', reason: 'data subject request' }),
    });
    expect(erased.status).toBe(200);
    for (const r of before) expect(existsSync(join(dir, r.store_key))).toBe(false);
    const after = await rowsOf(id);
    expect(after.map((r) => r.status)).toEqual(['ERASED', 'ERASED', 'ERASED']);
    expect(after.every((r) => r.store_key === null && r.data_key_enc === null && r.object_deleted_at)).toBe(
      true,
    );
    expect((await get(`/v1/verifications/${id}/evidence/KTP`, IDENTITY_KEY)).status).toBe(410);
    expect((await get(`/admin/submissions/${id}/evidence/KTP`, TEST_ADMIN_KEY)).status).toBe(410);
    // Nothing derived from the images is left: no hash or size on the rows, no hash in the audit log.
    const left = (await pg.query(`SELECT sha256, size FROM evidence_objects WHERE submission_id = $1`, [id]))
      .rows;
    expect(left.every((r) => r.sha256 === null && r.size === null)).toBe(true);
    const audit = (
      await pg.query(`SELECT detail::text AS d FROM admin_audit_log WHERE submission_id = $1`, [id])
    ).rows
      .map((r) => r.d)
      .join('\n');
    expect(audit).toContain('"kind": "KTP"');
    for (const e of listed) expect(audit).not.toContain(e.sha256!);
  });

  it('retention by age deletes the objects through the erasure path', async () => {
    const id = await startVerification(s.baseUrl, 'ev-retention');
    await s.control.complete(id, { result: 'VALID' });
    await settledEvidence(s.baseUrl, id);
    const before = await rowsOf(id);
    await pg.query(`UPDATE submissions SET completed_at = now() - interval '400 days' WHERE id = $1`, [id]);
    await s.app.get(RetentionService).runOnce();
    for (const r of before) expect(existsSync(join(dir, r.store_key))).toBe(false);
    expect((await rowsOf(id)).map((r) => r.status)).toEqual(['ERASED', 'ERASED', 'ERASED']);
  });

  it('the store holds no plaintext image and no unfinished write', async () => {
    expect(served.length).toBeGreaterThanOrEqual(6);
    const files = filesUnder(dir);
    expect(files.filter((f) => f.includes('/.tmp/'))).toEqual([]);
    const objects = files.filter((f) => f.endsWith('.okev'));
    expect(objects.length).toBeGreaterThan(0);
    for (const blob of readAll(objects)) {
      expect(blob.subarray(0, 4).toString('latin1')).toBe('OKEV');
      expect(containsPlaintext(blob, served)).toBe(false);
    }
  });
});
