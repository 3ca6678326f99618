import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { PiiCipher } from '../../src/submissions/pii/pii-cipher.js';
import { SubmissionsRepository } from '../../src/submissions/submissions.repository.js';
import { startTestApp, TestApp } from '../support/app.js';
import { json } from '../support/http.js';
import { callbackBody, initiatedSubmission, metricValue, sendCallback } from './callback-helpers.js';

describe('provider callback ingestion (real app, real HTTP, real PostgreSQL)', () => {
  let t: TestApp;
  let repo: SubmissionsRepository;
  let ds: DataSource;

  beforeAll(async () => {
    t = await startTestApp();
    repo = t.app.get(SubmissionsRepository);
    ds = t.app.get(DataSource);
  });
  afterAll(async () => {
    await t?.close();
  });

  const statusChanges = async (id: string) =>
    (await repo.findEvents(id))
      .filter((e) => e.type === 'STATUS_CHANGED')
      .map((e) => `${e.fromStatus}->${e.toStatus}`);
  const callbackFlags = async (id: string) =>
    (await repo.findEvents(id))
      .filter((e) => e.type === 'CALLBACK')
      .map((e) => ({ status: e.status, duplicate: e.duplicate, stale: e.stale, conflict: e.conflict }));

  it('should store and apply a completion before answering 200, so a read right after shows it', async () => {
    const id = await initiatedSubmission(repo);
    const body = callbackBody(id, 'COMPLETED', 'VALID', { fieldAddedLater: { version: 2 } });
    const res = await sendCallback(t, body);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(await json(res)).toEqual({ received: true });

    const s = (await repo.findById(id))!;
    expect(s).toMatchObject({
      status: 'COMPLETED',
      result: 'VALID',
      reasonCode: null,
      providerSubmissionId: body.submissionId,
      verificationResult: { nik: 'PASS', name: 'PASS', dateOfBirth: 'PASS', selfie: 'PASS' },
      certificateRegistration: { eligibleToActivate: true, onboardingCode: 'NEW_USER' },
    });
    expect(s.completedAt).toBeInstanceOf(Date);
    expect(s.imageUrlsReceivedAt).toBeInstanceOf(Date);
    expect(s.ktpEnc).not.toContain('3171999999990001');
    expect(s.ktpEnc).not.toContain('SYNTHETIC');
    expect(repo.decryptKtp(s)).toMatchObject({ nik: '3171999999990001', name: 'SYNTHETIC PERSON' });
    expect(repo.decryptImageUrls(s)).toEqual({
      KTP: 'https://images.example.test/ktp.jpg',
      SELFIE: 'https://images.example.test/selfie.jpg',
    });

    const events = await repo.findEvents(id);
    const cb = events.find((e) => e.type === 'CALLBACK')!;
    expect(cb).toMatchObject({
      source: 'callback',
      status: 'COMPLETED',
      result: 'VALID',
      dedupeKey: `${body.submissionId}:COMPLETED:VALID`,
      duplicate: false,
    });
    // The raw event: every field as sent (the unknown one included), encrypted at rest.
    expect(cb.payloadEnc).not.toContain('3171999999990001');
    expect(t.app.get(PiiCipher).decryptJson(cb.payloadEnc!)).toEqual(body);
    expect(await statusChanges(id)).toEqual(['INITIATED->COMPLETED']);
  });

  it('should accept PUT and PATCH as well as POST', async () => {
    const id = await initiatedSubmission(repo);
    const put = await sendCallback(t, callbackBody(id, 'IN_PROGRESS'), { method: 'PUT' });
    expect(put.status).toBe(200);
    expect(await json(put)).toEqual({ received: true });
    const patch = await sendCallback(t, callbackBody(id, 'COMPLETED', 'INVALID'), { method: 'PATCH' });
    expect(patch.status).toBe(200);
    expect((await repo.findById(id))!).toMatchObject({ status: 'COMPLETED', result: 'INVALID' });
    expect(await statusChanges(id)).toEqual(['INITIATED->IN_PROGRESS', 'IN_PROGRESS->COMPLETED']);
  });

  it('should turn ten identical callbacks arriving at the same instant into exactly one state change', async () => {
    const id = await initiatedSubmission(repo);
    const versionBefore = (await repo.findById(id))!.version;
    const body = callbackBody(id);
    const answers = await Promise.all(Array.from({ length: 10 }, () => sendCallback(t, body)));
    expect(answers.map((r) => r.status)).toEqual(Array(10).fill(200));
    for (const r of answers) expect(await json(r)).toEqual({ received: true });

    expect(await statusChanges(id)).toEqual(['INITIATED->COMPLETED']);
    const flags = await callbackFlags(id);
    expect(flags).toHaveLength(10);
    expect(flags.filter((f) => f.duplicate)).toHaveLength(9);
    expect(flags[0].duplicate).toBe(false); // the timeline's first is the one that applied
    expect((await repo.findById(id))!.version).toBe(versionBefore + 1);
  });

  it('should never move a submission backwards when events arrive out of order', async () => {
    const id = await initiatedSubmission(repo);
    for (const [status, result] of [
      ['COMPLETED', 'VALID'],
      ['PARTIALLY_COMPLETED', null],
      ['IN_PROGRESS', null],
    ] as const) {
      expect((await sendCallback(t, callbackBody(id, status, result))).status).toBe(200);
    }
    expect((await repo.findById(id))!).toMatchObject({ status: 'COMPLETED', result: 'VALID' });
    expect(await statusChanges(id)).toEqual(['INITIATED->COMPLETED']);
    expect(await callbackFlags(id)).toEqual([
      { status: 'COMPLETED', duplicate: false, stale: false, conflict: false },
      { status: 'PARTIALLY_COMPLETED', duplicate: false, stale: true, conflict: false },
      { status: 'IN_PROGRESS', duplicate: false, stale: true, conflict: false },
    ]);
  });

  it('should follow a partial result with the final one', async () => {
    const id = await initiatedSubmission(repo);
    for (const [status, result] of [
      ['IN_PROGRESS', null],
      ['PARTIALLY_COMPLETED', null],
      ['PARTIALLY_COMPLETED', null],
      ['COMPLETED', 'VALID'],
    ] as const) {
      expect((await sendCallback(t, callbackBody(id, status, result))).status).toBe(200);
      // Each answer means "applied": the status is visible at once.
      expect((await repo.findById(id))!.status).toBe(status);
    }
    expect(await statusChanges(id)).toEqual([
      'INITIATED->IN_PROGRESS',
      'IN_PROGRESS->PARTIALLY_COMPLETED',
      'PARTIALLY_COMPLETED->COMPLETED',
    ]);
    expect((await callbackFlags(id)).map((f) => f.duplicate)).toEqual([false, false, true, false]);
  });

  it('should record and flag a conflicting terminal result without applying it', async () => {
    const id = await initiatedSubmission(repo);
    await sendCallback(t, callbackBody(id, 'COMPLETED', 'VALID'));
    const res = await sendCallback(t, callbackBody(id, 'COMPLETED', 'REJECTED'));
    expect(res.status).toBe(200);
    expect((await sendCallback(t, callbackBody(id, 'ERROR', null))).status).toBe(200);
    expect((await repo.findById(id))!).toMatchObject({
      status: 'COMPLETED',
      result: 'VALID',
      hasConflict: true,
    });
    expect((await callbackFlags(id)).map((f) => f.conflict)).toEqual([false, true, true]);
  });

  it('should store a failed verification with its reason code and an error as terminal', async () => {
    const invalid = await initiatedSubmission(repo);
    await sendCallback(
      t,
      callbackBody(invalid, 'COMPLETED', 'INVALID', { reasonCode: 'LIVENESS_CHECK_FAILED' }),
    );
    expect((await repo.findById(invalid))!).toMatchObject({
      status: 'COMPLETED',
      result: 'INVALID',
      reasonCode: 'LIVENESS_CHECK_FAILED',
    });

    const failed = await initiatedSubmission(repo);
    await sendCallback(t, callbackBody(failed, 'ERROR', null, { reasonCode: 'SYSTEM_ERROR' }));
    const s = (await repo.findById(failed))!;
    expect(s).toMatchObject({ status: 'ERROR', result: null, reasonCode: 'SYSTEM_ERROR', nextPollAt: null });
    expect(s.completedAt).toBeInstanceOf(Date);
  });

  describe('a session we never issued', () => {
    it('should be quarantined with its payload encrypted, flagged, counted and answered 200', async () => {
      const unknownBefore = await metricValue(t, 'onekyc_callbacks_total{outcome="unknown"}');
      const eventsBefore = (await ds.query('SELECT count(*)::int AS n FROM submission_events'))[0].n;
      const partnerSessionId = randomUUID();
      const body = callbackBody(partnerSessionId, 'COMPLETED', 'VALID', { somethingNew: true });
      const res = await sendCallback(t, body);
      expect(res.status).toBe(200);
      expect(await json(res)).toEqual({ received: true });

      const rows = await ds.query(
        `SELECT id, provider_submission_id, status, result, source, payload_enc, resolved_at
         FROM unmatched_callbacks WHERE partner_session_id = $1`,
        [partnerSessionId],
      );
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        provider_submission_id: body.submissionId,
        status: 'COMPLETED',
        result: 'VALID',
        source: 'callback',
        resolved_at: null,
      });
      for (const secret of ['3171999999990001', 'SYNTHETIC PERSON', 'JL. CONTOH', 'images.example.test']) {
        expect(rows[0].payload_enc).not.toContain(secret);
      }
      expect(t.app.get(PiiCipher).decryptJson(rows[0].payload_enc)).toEqual(body);
      expect((await ds.query('SELECT count(*)::int AS n FROM submission_events'))[0].n).toBe(eventsBefore);
      expect(await metricValue(t, 'onekyc_callbacks_total{outcome="unknown"}')).toBe(unknownBefore + 1);
    });

    it('should quarantine a session id that is not even a UUID instead of failing on it', async () => {
      // The provider guide's own example id is one character short of a UUID.
      const partnerSessionId = 'b719f79b-ae7a-440a-8f9c-5f661ca34e7';
      const res = await sendCallback(t, callbackBody(partnerSessionId));
      expect(res.status).toBe(200);
      const rows = await ds.query(`SELECT status FROM unmatched_callbacks WHERE partner_session_id = $1`, [
        partnerSessionId,
      ]);
      expect(rows).toEqual([{ status: 'COMPLETED' }]);
    });
  });

  it('should refuse a NUL character the database cannot store with a 400, storing nothing (not a 500)', async () => {
    const id = await initiatedSubmission(repo);
    for (const body of [
      { ...callbackBody(id), submissionId: 'sub\u0000x' },
      { ...callbackBody(id), submissionDetails: { verificationResult: { nik: 'PASS\u0000' } } },
      { ...callbackBody('0b5e6b1e-0000-4000-8000-000000000000'), submissionId: 'quarantined\u0000' },
    ]) {
      const res = await sendCallback(t, body);
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
    expect((await repo.findEvents(id)).filter((e) => e.type === 'CALLBACK')).toHaveLength(0);
  });

  it('should count callbacks by outcome and time them from receipt to commit', async () => {
    const sample = (o: string) => metricValue(t, `onekyc_callbacks_total{outcome="${o}"}`);
    const before = {
      applied: await sample('applied'),
      duplicate: await sample('duplicate'),
      stale: await sample('stale'),
      commits: await metricValue(t, 'onekyc_callback_commit_seconds_count'),
    };
    const id = await initiatedSubmission(repo);
    await sendCallback(t, callbackBody(id, 'COMPLETED', 'VALID'));
    await sendCallback(t, callbackBody(id, 'COMPLETED', 'VALID'));
    await sendCallback(t, callbackBody(id, 'IN_PROGRESS'));
    expect(await sample('applied')).toBe(before.applied + 1);
    expect(await sample('duplicate')).toBe(before.duplicate + 1);
    expect(await sample('stale')).toBe(before.stale + 1);
    expect(await metricValue(t, 'onekyc_callback_commit_seconds_count')).toBe(before.commits + 3);
    // Every outcome is exported from the start, even at zero.
    for (const o of ['conflict', 'rejected_auth', 'rejected_ip', 'invalid', 'error']) {
      expect((await (await fetch(`${t.baseUrl}/metrics`)).text()).includes(`outcome="${o}"`)).toBe(true);
    }
  });

  it('should document the route, its three methods, its body and its answers in OpenAPI', async () => {
    const doc = await json(await fetch(`${t.baseUrl}/docs-json`));
    const path = doc.paths['/v1/callbacks/onekyc'];
    expect(Object.keys(path).sort()).toEqual(['patch', 'post', 'put']);
    expect(Object.keys(path.post.responses).sort()).toEqual(
      ['200', '400', '401', '403', '408', '413', '415', '500', '503'].sort(),
    );
    expect(path.post.requestBody.content['application/json'].schema.$ref).toMatch(/OneKycCallbackDto$/);
    const schema = doc.components.schemas.OneKycCallbackDto;
    expect(schema.required).toEqual(expect.arrayContaining(['submissionId', 'partnerSessionId', 'status']));
    expect(schema.properties.status.enum).toEqual([
      'IN_PROGRESS',
      'PARTIALLY_COMPLETED',
      'COMPLETED',
      'ERROR',
    ]);
  });
});
