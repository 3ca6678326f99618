// What the provider's own pages say, against the real app, the real sandbox over HTTP and real
// PostgreSQL: a result about another user (or none) is never applied, by callback or by poll;
// IN_PROGRESS comes by polling; partners see a result only from PARTIALLY_COMPLETED on; a
// COMPLETED without a result is not final; processedAt is kept; eligibleToActivate is read in
// both places; signing callbacks are kept apart; each error code of Get Submission Details.
import { TEST_ADMIN_KEY, TEST_API_KEY } from '../support/app.js';
import { bearer, json } from '../support/http.js';
import { startStack, TestStack } from '../support/stack.js';
import { callbackBody, metricValue, sendCallback } from './callback-helpers.js';

describe('provider fidelity, round two (app + sandbox over HTTP)', () => {
  let s: TestStack;
  let n = 0;

  beforeAll(async () => {
    s = await startStack();
  });
  afterAll(async () => {
    await s?.close();
  });
  beforeEach(async () => {
    await s.control.resetFaults();
  });

  /** A verification started through the partner API (the sandbox now holds its session). */
  async function started(): Promise<{ id: string; userId: string }> {
    const userId = `user-fidelity-${++n}`;
    const res = await fetch(`${s.baseUrl}/v1/verifications`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(TEST_API_KEY) },
      body: JSON.stringify({
        userId,
        phoneNumber: '628123456789',
        verification: { isVerified: true, verificationReferenceId: 'otp-1' },
      }),
    });
    expect(res.status).toBe(201);
    return { id: (await json(res)).id, userId };
  }
  const partnerView = async (id: string) =>
    json(await fetch(`${s.baseUrl}/v1/verifications/${id}`, { headers: bearer(TEST_API_KEY) }));
  const adminView = async (id: string) =>
    json(await fetch(`${s.baseUrl}/admin/submissions/${id}`, { headers: bearer(TEST_ADMIN_KEY) }));
  const reconcile = (id: string) =>
    fetch(`${s.baseUrl}/admin/submissions/${id}/reconcile`, {
      method: 'POST',
      headers: bearer(TEST_ADMIN_KEY),
    });
  const metric = (sample: string) => metricValue(s, sample);

  describe('identity safety', () => {
    it("never applies a callback naming another user: 200, stored, flagged, counted, no KTP on this user's verification", async () => {
      const { id } = await started();
      const before = await metric('onekyc_callbacks_total{outcome="user_conflict"}');
      const done = await s.control.complete(id, {
        resultUserId: 'someone-else',
        resultUserIdType: 'USER_ID',
      });
      expect(done.delivery).toMatchObject({ sent: true, attempts: [{ ok: true, httpStatus: 200 }] });
      expect(await partnerView(id)).toMatchObject({
        status: 'INITIATED',
        result: null,
        verificationResult: null,
      });
      const admin = await adminView(id);
      expect(admin).toMatchObject({ status: 'INITIATED', hasConflict: true, nik: null, ktpData: null });
      const flagged = admin.events.filter((e: { conflict: boolean }) => e.conflict);
      expect(flagged).toHaveLength(1);
      expect(flagged[0]).toMatchObject({ type: 'CALLBACK', detail: { conflict: 'user_mismatch' } });
      expect(await metric('onekyc_callbacks_total{outcome="user_conflict"}')).toBe(before + 1);
    });

    it('never applies a callback that names no user', async () => {
      const { id } = await started();
      const done = await s.control.complete(id, { resultUserId: null, resultUserIdType: null });
      expect(done.delivery).toMatchObject({ attempts: [{ httpStatus: 200 }] });
      const admin = await adminView(id);
      expect(admin).toMatchObject({ status: 'INITIATED', hasConflict: true, ktpData: null });
      expect(
        admin.events.some((e: { detail: unknown }) => (e.detail as any)?.conflict === 'user_missing'),
      ).toBe(true);
    });

    it('never applies a poll answer naming another user, and counts it', async () => {
      const { id } = await started();
      const before = await metric('onekyc_reconcile_polls_total{outcome="user_conflict"}');
      await s.control.complete(id, { deliver: false, resultUserId: 'someone-else' });
      expect((await reconcile(id)).status).toBe(200);
      expect(await partnerView(id)).toMatchObject({ status: 'INITIATED', result: null });
      const admin = await adminView(id);
      expect(admin).toMatchObject({ hasConflict: true, ktpData: null });
      expect(admin.events.find((e: { type: string }) => e.type === 'POLL')).toMatchObject({
        conflict: true,
        detail: { conflict: 'user_mismatch' },
      });
      expect(await metric('onekyc_reconcile_polls_total{outcome="user_conflict"}')).toBe(before + 1);
    });

    it("applies the session's own user's result as before", async () => {
      const { id } = await started();
      await s.control.complete(id, { result: 'VALID' });
      expect(await partnerView(id)).toMatchObject({ status: 'COMPLETED', result: 'VALID' });
      expect((await adminView(id)).hasConflict).toBe(false);
    });
  });

  describe('result semantics', () => {
    it('sees IN_PROGRESS only by polling, and hides its result from partners until PARTIALLY_COMPLETED', async () => {
      const { id } = await started();
      const progress = await s.control.complete(id, { status: 'IN_PROGRESS', result: 'VALID' });
      expect(progress.delivery).toMatchObject({ sent: false, reason: 'polling-only' });
      expect((await partnerView(id)).status).toBe('INITIATED');
      expect((await reconcile(id)).status).toBe(200);
      expect(await partnerView(id)).toMatchObject({ status: 'IN_PROGRESS', result: null });
      await s.control.complete(id, { status: 'PARTIALLY_COMPLETED', result: 'VALID' });
      expect(await partnerView(id)).toMatchObject({ status: 'PARTIALLY_COMPLETED', result: 'VALID' });
      await s.control.complete(id, { status: 'COMPLETED', result: 'VALID' });
      expect(await partnerView(id)).toMatchObject({ status: 'COMPLETED', result: 'VALID' });
    });

    it('does not take a COMPLETED without a result as final: pending, polled soon, then the details apply', async () => {
      const { id } = await started();
      const body = callbackBody(id, 'COMPLETED', null);
      const res = await sendCallback(s, { ...body, userId: `user-fidelity-${n}`, userIdType: 'USER_ID' });
      expect(res.status).toBe(200);
      const admin = await adminView(id);
      expect(admin.status).toBe('INITIATED');
      expect(Date.parse(admin.nextPollAt)).toBeLessThanOrEqual(Date.now() + 1000);
      expect(admin.events.some((e: { detail: any }) => e.detail?.incomplete)).toBe(true);
      // Reconciliation asks for the details; the provider has the full result.
      await s.control.complete(id, { deliver: false, result: 'INVALID', reasonCode: 'NOT_EKTP' });
      expect((await reconcile(id)).status).toBe(200);
      expect(await partnerView(id)).toMatchObject({
        status: 'COMPLETED',
        result: 'INVALID',
        reasonCode: 'NOT_EKTP',
      });
    });
  });

  describe('tolerant reading', () => {
    it("keeps the provider's processedAt, from callbacks and polls", async () => {
      const { id } = await started();
      const done = await s.control.complete(id, { status: 'PARTIALLY_COMPLETED', result: 'VALID' });
      expect((await adminView(id)).processedAt).toBe(done.submission.processedAt);
      const later = await s.control.complete(id, { deliver: false, result: 'VALID' });
      expect((await reconcile(id)).status).toBe(200);
      expect((await adminView(id)).processedAt).toBe(later.submission.processedAt);
    });

    it('reads eligibleToActivate under submissionDetails as under certificateRegistration', async () => {
      const flat = await started();
      await s.control.complete(flat.id, {
        eligibleToActivateUnder: 'submissionDetails',
        eligibleToActivate: false,
      });
      expect((await adminView(flat.id)).certificateRegistration).toMatchObject({ eligibleToActivate: false });
      const nested = await started();
      await s.control.complete(nested.id, { eligibleToActivate: true });
      expect((await adminView(nested.id)).certificateRegistration).toMatchObject({
        eligibleToActivate: true,
      });
    });

    it('keeps signing callbacks apart: 200, on the timeline or in the quarantine, never applied', async () => {
      const { id } = await started();
      for (const callbackType of ['USER_BASIS', 'DOCUMENT_BASIS'] as const) {
        const sent = await s.control.signingCallback({
          callbackType,
          partnerSessionId: id,
          fields: { status: 'COMPLETED', result: 'VALID' },
        });
        expect(sent.delivery).toMatchObject({ attempts: [{ ok: true, httpStatus: 200 }] });
      }
      const admin = await adminView(id);
      expect(admin.status).toBe('INITIATED');
      expect(
        admin.events.filter((e: { detail: any }) => e.detail?.signing).map((e: any) => e.detail.signing),
      ).toEqual(['USER_BASIS', 'DOCUMENT_BASIS']);
      const stray = await s.control.signingCallback({
        callbackType: 'DOCUMENT_BASIS',
        fields: { odd: [1, 2] },
      });
      expect(stray.delivery).toMatchObject({ attempts: [{ httpStatus: 200 }] });
      const quarantined = await json(
        await fetch(`${s.baseUrl}/admin/callbacks/unmatched?limit=5`, { headers: bearer(TEST_ADMIN_KEY) }),
      );
      expect(quarantined.data[0]).toMatchObject({ source: 'signing', status: 'DOCUMENT_BASIS' });
    });
  });

  describe('error codes of Get Submission Details', () => {
    it('takes 400 1552 SUBMISSION_DOES_NOT_EXIST as "not yet", like 404 1514', async () => {
      const { id } = await started();
      await s.control.setFaults({ notFoundCode: '1552' });
      expect((await reconcile(id)).status).toBe(200);
      const poll = (await adminView(id)).events.find((e: { type: string }) => e.type === 'POLL');
      expect(poll.detail).toEqual({ found: false });
    });

    it('records 1553 (session of another user) as a refusal for operators, not a retry', async () => {
      const { id } = await started();
      await s.control.setFaults({ forcedErrors: { submissions: '1553' } });
      await s.control.resetStats();
      expect((await reconcile(id)).status).toBe(502);
      expect((await s.control.stats()).calls.submissions).toBe(1);
      const poll = (await adminView(id)).events.find((e: { type: string }) => e.type === 'POLL');
      expect(poll.detail.error).toMatchObject({ kind: 'SUBMISSION_NOT_OWNED', code: '1553' });
    });

    it('raises 903 and 1550 as configuration errors: 502, not retried, /health/ready degraded', async () => {
      const { id } = await started();
      for (const code of ['903', '1550'] as const) {
        await s.control.setFaults({ forcedErrors: { submissions: code } });
        await s.control.resetStats();
        const res = await reconcile(id);
        expect(res.status).toBe(502);
        expect(await json(res)).toMatchObject({ kind: 'CONFIGURATION', code });
        expect((await s.control.stats()).calls.submissions).toBe(1);
        const health = await json(await fetch(`${s.baseUrl}/health/ready`));
        expect(health.details.provider).toMatchObject({
          status: 'degraded',
          configurationErrors: [{ operation: 'getSubmissionDetails', code }],
        });
      }
      await s.control.resetFaults();
      expect((await reconcile(id)).status).toBe(200);
      expect((await json(await fetch(`${s.baseUrl}/health/ready`))).details.provider.status).toBe('up');
    });
  });
});
