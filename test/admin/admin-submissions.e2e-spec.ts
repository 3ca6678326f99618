// GET /admin/submissions and /admin/submissions/:id on the real app: filters, masking, the
// timeline, and audited reveals.
import { DataSource } from 'typeorm';
import { SubmissionsRepository } from '../../src/submissions/submissions.repository.js';
import { startTestApp, TestApp } from '../support/app.js';
import { json } from '../support/http.js';
import { ADMIN_KEY_ID, completion, get, seedSubmission } from './admin-fixtures.js';

const CLEAR_PII = [
  '3208201808850001',
  '3174010101900002',
  'BUDI',
  'SANTOSO',
  'SITI',
  '628123456789',
  '628777000111',
  'siti.aminah@example.com',
  'JL. MAWAR',
  'sig=s3cr3t',
  'ONB-SECRET-1',
];

describe('admin API: submissions (real app, real PostgreSQL)', () => {
  let t: TestApp;
  let repo: SubmissionsRepository;
  let ds: DataSource;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    t = await startTestApp();
    repo = t.app.get(SubmissionsRepository);
    ds = t.app.get(DataSource);
    // Oldest first, so the expected list order is the reverse of this.
    ids.a = await seedSubmission(repo, ds, {
      userId: 'user-a',
      status: 'COMPLETED',
      result: 'VALID',
      providerSubmissionId: 'SUB-A',
      createdAt: '2025-01-10T10:00:00Z',
    });
    ids.b = await seedSubmission(repo, ds, {
      userId: 'user-a',
      userIdType: 'EMAIL_HASH',
      contacts: { email: 'siti.aminah@example.com' },
      status: 'COMPLETED',
      result: 'INVALID',
      nik: '3174010101900002',
      name: 'SITI AMINAH',
      providerSubmissionId: 'SUB-B',
      createdAt: '2025-01-20T23:30:00Z',
    });
    ids.c = await seedSubmission(repo, ds, {
      userId: 'user-c',
      contacts: { phoneNumber: '628777000111', email: 'siti.aminah@example.com' },
      createdAt: '2025-02-01T00:00:00Z',
    });
    ids.d = await seedSubmission(repo, ds, {
      userId: 'user-d',
      status: 'IN_PROGRESS',
      providerSubmissionId: 'SUB-D',
      createdAt: '2025-02-02T00:00:00Z',
    });
    ids.e = await seedSubmission(repo, ds, {
      userId: 'user-e',
      status: 'ERROR',
      createdAt: '2025-02-03T00:00:00Z',
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  async function list(query: string) {
    const res = await get(t, `/admin/submissions${query}`);
    expect(res.status).toBe(200);
    return json(res);
  }
  const idsOf = (body: any) => body.data.map((r: any) => r.id);

  it('should list every submission newest first, with a null nextCursor on the only page', async () => {
    const body = await list('');
    expect(idsOf(body)).toEqual([ids.e, ids.d, ids.c, ids.b, ids.a]);
    expect(body.nextCursor).toBeNull();
  });

  it('should mask personal data in every row and never send it in clear', async () => {
    const res = await get(t, '/admin/submissions');
    const text = await res.text();
    for (const clear of CLEAR_PII) expect(text).not.toContain(clear);
    const rows = JSON.parse(text).data;
    const a = rows.find((r: any) => r.id === ids.a);
    expect(a).toMatchObject({
      userId: 'user-a',
      userIdType: 'USER_ID',
      status: 'COMPLETED',
      result: 'VALID',
      providerSubmissionId: 'SUB-A',
      contactType: 'PHONE',
      phoneNumber: '6281******89',
      email: null,
      nik: '3208********0001',
      name: 'B. S.',
      hasConflict: false,
      piiRedacted: false,
      createdAt: '2025-01-10T10:00:00.000Z',
    });
    expect(a).not.toHaveProperty('ktpData');
    const c = rows.find((r: any) => r.id === ids.c);
    expect(c).toMatchObject({ phoneNumber: '6287******11', email: 's***@e***.com', nik: null, name: null });
  });

  it('should keep the masks beside the ciphertexts, so a list page decrypts nothing', async () => {
    const [row] = await ds.query(`SELECT pii_masked FROM submissions WHERE id = $1`, [ids.a]);
    expect(row.pii_masked).toEqual({
      phoneNumber: '6281******89',
      email: null,
      nik: '3208********0001',
      name: 'B. S.',
    });
    // With the ciphertexts made unreadable, the list still answers the same masks: it never read them.
    const saved = await ds.query(`SELECT id, contact_enc, ktp_enc FROM submissions WHERE id = $1`, [ids.b]);
    await ds.query(`UPDATE submissions SET contact_enc = 'v1.broken', ktp_enc = 'v1.broken' WHERE id = $1`, [
      ids.b,
    ]);
    try {
      const b = (await list('')).data.find((r: any) => r.id === ids.b);
      expect(b).toMatchObject({ email: 's***@e***.com', nik: '3174********0002', name: 'S. A.' });
    } finally {
      await ds.query(`UPDATE submissions SET contact_enc = $2, ktp_enc = $3 WHERE id = $1`, [
        ids.b,
        saved[0].contact_enc,
        saved[0].ktp_enc,
      ]);
    }
  });

  it('should mask rows written before the masked forms by decrypting them', async () => {
    await ds.query(`UPDATE submissions SET pii_masked = NULL WHERE id = $1`, [ids.a]);
    const a = (await list('')).data.find((r: any) => r.id === ids.a);
    expect(a).toMatchObject({
      phoneNumber: '6281******89',
      email: null,
      nik: '3208********0001',
      name: 'B. S.',
    });
  });

  it.each([
    ['status=COMPLETED', ['b', 'a']],
    ['status=IN_PROGRESS', ['d']],
    ['status=EXPIRED', []],
    ['result=INVALID', ['b']],
    ['userId=user-a', ['b', 'a']],
    ['userId=user-a&userIdType=USER_ID', ['a']],
    ['userId=user-a&userIdType=EMAIL_HASH', ['b']],
    ['userId=nobody', []],
    ['submissionId=SUB-D', ['d']],
    ['nik=3174010101900002', ['b']],
    ['nik=3208201808850001', ['a']],
    ['nik=9999999999999999', []],
    ['createdFrom=2025-02-01', ['e', 'd', 'c']],
    ['createdTo=2025-01-20', ['b', 'a']],
    ['createdFrom=2025-01-15&createdTo=2025-02-01T00:00:00Z', ['c', 'b']],
    ['createdFrom=2025-01-21T06:00:00%2B07:00', ['e', 'd', 'c', 'b']],
    ['status=COMPLETED&userId=user-a&createdFrom=2025-01-15', ['b']],
  ])('should filter with %s', async (query, expected) => {
    const body = await list(`?${query}`);
    expect(idsOf(body)).toEqual(expected.map((k) => ids[k]));
  });

  it('should answer the detail with its timeline oldest first, flags kept, nothing personal in clear', async () => {
    // A duplicate, a stale and a conflicting callback after the completion.
    await repo.applyTransition(ids.a, completion({ providerSubmissionId: 'SUB-A' }));
    await repo.applyTransition(ids.a, {
      status: 'IN_PROGRESS',
      event: { type: 'CALLBACK', source: 'callback', detail: { note: 'late' } },
    });
    await repo.applyTransition(ids.a, completion({ providerSubmissionId: 'SUB-A', result: 'INVALID' }));
    const res = await get(t, `/admin/submissions/${ids.a}`);
    expect(res.status).toBe(200);
    const text = await res.text();
    for (const clear of CLEAR_PII) expect(text).not.toContain(clear);
    expect(text).not.toContain('v1:k1:'); // no ciphertext either
    const body = JSON.parse(text);
    expect(body).toMatchObject({
      id: ids.a,
      status: 'COMPLETED',
      result: 'VALID',
      hasConflict: true,
      revealed: false,
      phoneNumber: '6281******89',
      nik: '3208********0001',
      name: 'B. S.',
      ktpData: { nik: '3208********0001', name: 'B. S.', dateOfBirth: '**-**-1985', address: '***' },
      imageUrls: { KTP: 'https://images.example.com/***', SELFIE: 'https://images.example.com/***' },
      verificationResult: { nik: 'PASS', name: 'PASS', dateOfBirth: 'PASS', selfie: 'PASS' },
      certificateRegistration: { eligibleToActivate: true, onboardingCode: '***' },
      eventsTruncated: false,
    });
    const timeline = body.events.map((e: any) => [e.type, e.source, e.duplicate, e.stale, e.conflict]);
    expect(timeline).toEqual([
      ['INITIATION_REQUESTED', 'api', false, false, false],
      ['INITIATED', 'api', false, false, false],
      ['CALLBACK', 'callback', false, false, false],
      ['STATUS_CHANGED', 'callback', false, false, false],
      ['CALLBACK', 'callback', true, false, false],
      ['CALLBACK', 'callback', false, true, false],
      ['CALLBACK', 'callback', false, false, true],
    ]);
    expect(body.events[3]).toMatchObject({ fromStatus: 'INITIATED', toStatus: 'COMPLETED' });
    expect(body.events[5].detail).toEqual({ note: 'late' });
    expect(body.events[2].hasPayload).toBe(true);
    for (const e of body.events) {
      expect(e).not.toHaveProperty('payloadEnc');
      expect(e).not.toHaveProperty('payload');
      expect(Date.parse(e.createdAt)).not.toBeNaN();
    }
    const eventIds = body.events.map((e: any) => Number(e.id));
    expect(eventIds).toEqual([...eventIds].sort((x, y) => x - y));
  });

  it('should show the last 1000 events of a flooded timeline, oldest first, and say that older ones are left out', async () => {
    const id = await seedSubmission(repo, ds, { status: 'IN_PROGRESS' });
    await ds.query(
      `INSERT INTO submission_events (submission_id, type, source, status, duplicate, detail)
       SELECT $1, 'CALLBACK', 'callback', 'IN_PROGRESS', true, jsonb_build_object('n', g)
       FROM generate_series(1, 1005) g`,
      [id],
    );
    const body = await json(await get(t, `/admin/submissions/${id}`));
    expect(body.eventsTruncated).toBe(true);
    expect(body.events).toHaveLength(1000);
    expect(body.events.at(-1).detail).toEqual({ n: 1005 });
    // 4 events of the store, then n = 1..1005: the last 1000 start at n = 6.
    expect(body.events[0].detail).toEqual({ n: 6 });
    const eventIds = body.events.map((e: any) => Number(e.id));
    expect(eventIds).toEqual([...eventIds].sort((x, y) => x - y));
  });

  it('should write no audit record for a masked detail', async () => {
    await get(t, `/admin/submissions/${ids.b}`);
    await get(t, `/admin/submissions/${ids.b}?reveal=false`);
    const rows = await ds.query(`SELECT * FROM admin_audit_log WHERE submission_id = $1`, [ids.b]);
    expect(rows).toHaveLength(0);
  });

  it('should reveal personal data only with reveal=true, recording who, when and what in the audit log', async () => {
    const before = new Date();
    const res = await fetch(`${t.baseUrl}/admin/submissions/${ids.b}?reveal=true`, {
      headers: { authorization: `Bearer test-admin-key`, 'x-request-id': 'req-reveal-1' },
    });
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body).toMatchObject({
      revealed: true,
      email: 'siti.aminah@example.com',
      phoneNumber: null,
      nik: '3174010101900002',
      name: 'SITI AMINAH',
      ktpData: { nik: '3174010101900002', name: 'SITI AMINAH', address: 'JL. MAWAR NO. 1' },
      imageUrls: { KTP: 'https://images.example.com/ktp/abc?sig=s3cr3t' },
      certificateRegistration: { onboardingCode: 'ONB-SECRET-1' },
    });
    const audit = await ds.query(`SELECT * FROM admin_audit_log WHERE submission_id = $1`, [ids.b]);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ admin_key_id: ADMIN_KEY_ID, action: 'reveal', submission_id: ids.b });
    expect(audit[0].detail).toEqual({
      fields: ['email', 'ktpData', 'imageUrls', 'certificateRegistration.onboardingCode'],
      requestId: 'req-reveal-1',
    });
    expect(audit[0].created_at.getTime()).toBeGreaterThanOrEqual(before.getTime() - 1000);
    expect(JSON.stringify(audit[0])).not.toContain('test-admin-key');
  });

  it('should write one audit record per reveal', async () => {
    await get(t, `/admin/submissions/${ids.c}?reveal=true`);
    await get(t, `/admin/submissions/${ids.c}?reveal=true`);
    const audit = await ds.query(`SELECT detail FROM admin_audit_log WHERE submission_id = $1`, [ids.c]);
    expect(audit).toHaveLength(2);
    expect(audit[0].detail.fields).toEqual(['phoneNumber', 'email']);
  });

  it('should keep the audit log append-only: the database refuses updates and deletes', async () => {
    await get(t, `/admin/submissions/${ids.d}?reveal=true`);
    await expect(ds.query(`UPDATE admin_audit_log SET admin_key_id = 'someone-else'`)).rejects.toThrow(
      /append-only/,
    );
    await expect(ds.query(`DELETE FROM admin_audit_log`)).rejects.toThrow(/append-only/);
    const rows = await ds.query(`SELECT DISTINCT admin_key_id FROM admin_audit_log`);
    expect(rows).toEqual([{ admin_key_id: ADMIN_KEY_ID }]);
  });

  it('should offer no route that changes a submission or the audit log', async () => {
    for (const method of ['PUT', 'PATCH', 'DELETE']) {
      const res = await fetch(`${t.baseUrl}/admin/submissions/${ids.a}`, {
        method,
        headers: { authorization: 'Bearer test-admin-key' },
      });
      expect(res.status).toBe(404);
    }
    // The audit log can be read (GET /admin/audit-log), never changed.
    for (const path of ['/admin/audit', '/admin/audit-log']) {
      for (const method of path === '/admin/audit'
        ? ['GET', 'PUT', 'PATCH', 'DELETE']
        : ['PUT', 'PATCH', 'DELETE', 'POST']) {
        const res = await fetch(`${t.baseUrl}${path}`, {
          method,
          headers: { authorization: 'Bearer test-admin-key' },
        });
        expect(res.status).toBe(404);
      }
    }
  });

  it('should document the admin routes in the OpenAPI document with the admin bearer scheme (or a console session)', async () => {
    const doc = await json(await fetch(`${t.baseUrl}/docs-json`));
    for (const path of [
      '/admin/submissions',
      '/admin/submissions/{id}',
      '/admin/stats',
      '/admin/callbacks/unmatched',
    ]) {
      expect(doc.paths[path]?.get?.security).toEqual([{ admin: [] }, { console: [] }]);
    }
    const params = doc.paths['/admin/submissions'].get.parameters.map((p: any) => p.name).sort();
    expect(params).toEqual(
      [
        'createdFrom',
        'createdTo',
        'cursor',
        'limit',
        'nik',
        'result',
        'status',
        'submissionId',
        'userId',
        'userIdType',
      ].sort(),
    );
    expect(doc.paths['/admin/stats'].get.parameters ?? []).toEqual([]);
    const item = doc.components.schemas.AdminSubmissionListItemDto;
    expect(item.properties.nik.example).toBe('3208********0001');
    expect(doc.components.schemas.AdminSubmissionDetailDto.properties.events).toBeDefined();
  });
});
