// OneKycClient against the sandbox over real HTTP: every documented answer becomes data or a
// typed OneKycException, and retries happen only where they are safe.
import { createServer } from 'node:net';
import { OneKycErrorKind, OneKycException } from '../../src/onekyc/onekyc.exception.js';
import { PROVIDER_REQUESTS } from '../../src/onekyc/onekyc.metrics.js';
import type { InitiateFlowInput } from '../../src/onekyc/onekyc.types.js';
import { startTestSandbox, TestSandbox } from '../sandbox/sandbox-harness.js';
import { buildClient, metricValue, TestClient } from './client-harness.js';

// Short backoff; the breaker is tested on its own (resilience.intg-spec.ts), so keep it out of the way.
const FAST_RETRY = {
  retry: { maxRetries: 2, baseMs: 10, maxMs: 1500 },
  breaker: { consecutiveFailures: 1000 },
};

let sessionCounter = 0;
const input = (over: Partial<InitiateFlowInput> = {}): InitiateFlowInput => ({
  partnerSessionId: `session-${++sessionCounter}-${Date.now()}`,
  userId: 'user-1',
  userIdType: 'USER_ID',
  phoneNumber: '628123456789',
  verification: { isVerified: true, verificationReferenceId: 'otp-ref' },
  ...over,
});

async function rejection(p: Promise<unknown>): Promise<OneKycException> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(OneKycException);
    return err as OneKycException;
  }
  throw new Error('expected the call to fail');
}

describe('OneKycClient against the sandbox', () => {
  let s: TestSandbox;
  let t: TestClient;
  beforeAll(async () => {
    s = await startTestSandbox();
    t = await buildClient(s.url, { ONEKYC_TIMEOUT_MS: '400' }, FAST_RETRY);
  });
  beforeEach(async () => {
    await s.control.resetFaults();
    await s.control.resetStats();
  });
  afterAll(async () => {
    await t?.close();
    await s?.close();
  });

  describe('Initiate Flow', () => {
    it('should return the SDK token and its expiry, with every header the provider requires sent', async () => {
      const res = await t.client.initiateFlow(input({ partnerSessionId: 'sdk-session' }));
      expect(res.source).toBe('SDK');
      expect(res.sdkToken).toEqual(expect.any(String));
      expect(res.launchUrl).toBeUndefined();
      expect(res.expirySeconds).toBe(60 * 24 * 3600);
      expect(Math.abs(res.expiresAt.getTime() - (Date.now() + 60 * 24 * 3600 * 1000))).toBeLessThan(5000);
      const view = await s.control.session('sdk-session');
      expect(view!.session).toMatchObject({ userId: 'user-1', userIdType: 'USER_ID', source: 'SDK' });
    });

    it('should return a launch URL for WEB_SDK', async () => {
      const res = await t.client.initiateFlow(
        input({
          source: 'WEB_SDK',
          email: 'person@example.com',
          phoneNumber: undefined,
          successRedirectionUrl: 'https://partner.example/ok',
          failureRedirectionUrl: 'https://partner.example/ko',
          userLocale: 'en_ID',
        }),
      );
      expect(res.source).toBe('WEB_SDK');
      expect(res.launchUrl).toMatch(/\/sandbox\/web-sdk\//);
      expect(res.sdkToken).toBeUndefined();
    });

    it.each([
      [{ verification: { isVerified: false } }, 'PHONE_NUMBER_VERIFICATION_MUST_BE_TRUE'],
      [{ verification: { isVerified: true } }, 'PHONE_NUMBER_VERIFICATION_REFERENCE_ID_IS_REQUIRED'],
      [
        { phoneNumber: undefined, email: 'a@example.com', verification: { isVerified: true } },
        'EMAIL_VERIFICATION_REFERENCE_ID_IS_REQUIRED',
      ],
      [{ phoneNumber: undefined }, 'PHONE_NUMBER_OR_EMAIL_IS_REQUIRED'],
      [{ phoneNumber: '0812345678' }, 'INVALID_PHONE_NUMBER'],
      [{ source: 'WEB_SDK' as const }, 'SUCCESS_REDIRECTION_URL_IS_REQUIRED'],
    ])(
      'should surface a refusal (%j) as a permanent VALIDATION with cause %s, not retried',
      async (over, cause) => {
        const e = await rejection(t.client.initiateFlow(input(over)));
        expect(e).toMatchObject({
          kind: OneKycErrorKind.VALIDATION,
          code: '1539',
          providerCause: cause,
          httpStatus: 400,
        });
        expect(e.isTemporary).toBe(false);
        expect((await s.control.stats()).calls.initiateFlow).toBe(1);
      },
    );

    it('should surface a reused session id as DUPLICATE_SESSION', async () => {
      const i = input();
      await t.client.initiateFlow(i);
      const e = await rejection(t.client.initiateFlow(i));
      expect(e).toMatchObject({
        kind: OneKycErrorKind.DUPLICATE_SESSION,
        providerCause: 'DUPLICATE_PARTNER_SESSION_ID',
      });
    });

    it('should NOT retry a 5xx (ambiguous) and mark it so', async () => {
      await s.control.setFaults({ endpoints: { initiateFlow: { errorRate: 1 } } });
      const e = await rejection(t.client.initiateFlow(input()));
      expect(e).toMatchObject({ kind: OneKycErrorKind.TEMPORARY_SERVER_ERROR, code: '900', ambiguous: true });
      expect((await s.control.stats()).calls.initiateFlow).toBe(1);
    });

    it('should NOT retry a timeout; a repeat under the same id proves the first reached the provider', async () => {
      await s.control.setFaults({ endpoints: { initiateFlow: { timeoutRate: 1 } } });
      const first = input();
      const e = await rejection(t.client.initiateFlow(first));
      expect(e).toMatchObject({ kind: OneKycErrorKind.TEMPORARY_TIMEOUT, ambiguous: true });
      expect((await s.control.stats()).calls.initiateFlow).toBe(1);
      await s.control.resetFaults();
      // What the flows layer learns from a repeat: DUPLICATE means the timed-out attempt landed.
      const dup = await rejection(t.client.initiateFlow(first));
      expect(dup.kind).toBe(OneKycErrorKind.DUPLICATE_SESSION);
      // And its recovery path: a new attempt under a new session id succeeds.
      const retried = await t.client.initiateFlow({
        ...first,
        partnerSessionId: `${first.partnerSessionId}-r1`,
      });
      expect(retried.sdkToken).toEqual(expect.any(String));
    });

    it('should retry a 429 with the same session id, then give up as TEMPORARY_THROTTLED', async () => {
      await s.control.setFaults({ endpoints: { initiateFlow: { throttleRate: 1 } } });
      const i = input();
      const e = await rejection(t.client.initiateFlow(i));
      expect(e).toMatchObject({
        kind: OneKycErrorKind.TEMPORARY_THROTTLED,
        ambiguous: false,
        retryAfterSeconds: 1,
      });
      expect((await s.control.stats()).calls.initiateFlow).toBe(3);
      await s.control.resetFaults();
      expect((await t.client.initiateFlow(i)).sdkToken).toEqual(expect.any(String)); // no session was made
    });

    it('should surface a foreign onboarding partner as a CONFIGURATION refusal (403 code 110), not retried', async () => {
      const other = await buildClient(s.url, {
        ONEKYC_ONBOARDING_PARTNER: 'OTHER-SDK-STANDALONE_IDENTITY_VERIFICATION',
      });
      try {
        const e = await rejection(other.client.initiateFlow(input()));
        expect((await s.control.stats()).calls.initiateFlow).toBe(1);
        expect(e.isTemporary).toBe(false);
        expect(e).toMatchObject({
          kind: OneKycErrorKind.CONFIGURATION,
          code: '110',
          providerCause: 'ONBOARDING_PARTNER_DOES_NOT_BELONG_TO_CLIENT',
          httpStatus: 403,
        });
      } finally {
        await other.close();
      }
    });

    it("should send the source's own onboarding-partner value, and Smart QR for WEB_SDK only", async () => {
      const sdk = 'TEST_PARTNER-SDK-STANDALONE_IDENTITY_VERIFICATION';
      const web = 'TEST_PARTNER-WEB_SDK-STANDALONE_IDENTITY_VERIFICATION';
      await s.control.updateSettings({ onboardingPartners: { SDK: sdk, WEB_SDK: web } });
      const both = await buildClient(s.url, {
        ONEKYC_ONBOARDING_PARTNER: undefined,
        ONEKYC_ONBOARDING_PARTNER_SDK: sdk,
        ONEKYC_ONBOARDING_PARTNER_WEB_SDK: web,
      });
      try {
        const webInput = input({
          source: 'WEB_SDK',
          successRedirectionUrl: 'https://partner.example/ok',
          failureRedirectionUrl: 'https://partner.example/ko',
          allowQr: true,
          forceQr: true,
        });
        expect((await both.client.initiateFlow(webInput)).launchUrl).toEqual(expect.any(String));
        expect((await s.control.session(webInput.partnerSessionId))!.session.request).toMatchObject({
          onboardingPartner: web,
          allowQr: true,
          forceQr: true,
        });
        const sdkInput = input({ allowQr: true });
        expect((await both.client.initiateFlow(sdkInput)).sdkToken).toEqual(expect.any(String));
        const sdkRequest = (await s.control.session(sdkInput.partnerSessionId))!.session.request!;
        expect(sdkRequest.onboardingPartner).toBe(sdk);
        expect(sdkRequest.allowQr).toBeUndefined();
        // A single value for both platforms is refused for the web flow by such a provider.
        const e = await rejection(
          t.client.initiateFlow({ ...webInput, partnerSessionId: 'single-value-web' }),
        );
        expect(e).toMatchObject({ kind: OneKycErrorKind.CONFIGURATION, code: '110' });
      } finally {
        await both.close();
        await s.control.updateSettings({ onboardingPartners: { SDK: sdk, WEB_SDK: sdk } });
      }
    });

    it('should send the onboarding partner under the configured header name', async () => {
      await s.control.updateSettings({ onboardingPartnerHeader: 'x-onboarding-partner' });
      const older = await buildClient(s.url, { ONEKYC_ONBOARDING_PARTNER_HEADER: 'x-onboarding-partner' });
      try {
        expect((await older.client.initiateFlow(input())).sdkToken).toEqual(expect.any(String));
        const e = await rejection(t.client.initiateFlow(input()));
        expect(e.providerCause).toBe('ESIGN_ONBOARDING_PARTNER_CAN_NOT_BE_EMPTY');
      } finally {
        await s.control.updateSettings({ onboardingPartnerHeader: 'both' });
        await older.close();
      }
    });
  });

  describe('Get Submission Details', () => {
    it('should answer null while the user has no submission (404 1514)', async () => {
      const i = input({ userId: 'no-result-user' });
      await t.client.initiateFlow(i);
      expect(await t.client.getSubmissionDetails(i)).toBeNull();
    });

    it("should answer the user's current submission, typed", async () => {
      const i = input({ userId: 'result-user' });
      await t.client.initiateFlow(i);
      const done = await s.control.complete(i.partnerSessionId, {
        result: 'INVALID',
        reasonCode: 'FRAUD_REJECT',
      });
      const d = await t.client.getSubmissionDetails(i, { priority: 'background' });
      expect(d).toMatchObject({
        submissionId: done.submission.submissionId,
        partnerSessionId: i.partnerSessionId,
        status: 'COMPLETED',
        result: 'INVALID',
        reasonCode: 'FRAUD_REJECT',
        flow: 'STANDALONE_IDENTITY_VERIFICATION',
      });
      expect(d!.submissionDetails!.ktpData!.nik).toMatch(/^\d{16}$/);
    });

    it('should surface a session of another user as SUBMISSION_NOT_OWNED (1653)', async () => {
      const mine = input({ userId: 'owner' });
      await t.client.initiateFlow(mine);
      const e = await rejection(t.client.getSubmissionDetails({ ...mine, userId: 'intruder' }));
      expect(e).toMatchObject({ kind: OneKycErrorKind.SUBMISSION_NOT_OWNED, code: '1653' });
    });

    it('should answer null for 400 1552 SUBMISSION_DOES_NOT_EXIST and 404 1518 as for 404 1514', async () => {
      const i = input({ userId: 'not-yet-user' });
      await t.client.initiateFlow(i);
      for (const notFoundCode of ['1552', '1518'] as const) {
        await s.control.setFaults({ notFoundCode });
        expect(await t.client.getSubmissionDetails(i)).toBeNull();
      }
      // Not retried: one call each.
      expect((await s.control.stats()).calls.submissions).toBe(2);
    });

    it('should surface 1553 (session of another user) as SUBMISSION_NOT_OWNED, not retried', async () => {
      const mine = input({ userId: 'owner-1553' });
      await t.client.initiateFlow(mine);
      await s.control.setFaults({ otherUserCode: '1553' });
      const e = await rejection(t.client.getSubmissionDetails({ ...mine, userId: 'intruder' }));
      expect(e).toMatchObject({
        kind: OneKycErrorKind.SUBMISSION_NOT_OWNED,
        code: '1553',
        providerCause: 'PARTNER_SESSION_ID_DOES_NOT_BELONG_TO_THE_USER',
      });
      expect(e.isTemporary).toBe(false);
      expect((await s.control.stats()).calls.submissions).toBe(1);
    });

    it('should surface 903 and 1550 as permanent CONFIGURATION refusals, never retried', async () => {
      const i = input({ userId: 'config-user' });
      for (const code of ['903', '1550'] as const) {
        await s.control.resetStats();
        await s.control.setFaults({ forcedErrors: { submissions: code } });
        const e = await rejection(t.client.getSubmissionDetails(i));
        expect(e).toMatchObject({ kind: OneKycErrorKind.CONFIGURATION, code });
        expect(e.isTemporary).toBe(false);
        expect((await s.control.stats()).calls.submissions).toBe(1);
      }
    });

    it('should read processedAt, eligibleToActivate in either place, and a result naming another user', async () => {
      const i = input({ userId: 'tolerant-user' });
      await t.client.initiateFlow(i);
      await s.control.complete(i.partnerSessionId, {
        deliver: false,
        eligibleToActivateUnder: 'submissionDetails',
        resultUserId: 'someone-else',
      });
      const d = (await t.client.getSubmissionDetails(i))!;
      expect(Date.parse(d.processedAt!)).toBeGreaterThan(Date.now() - 60_000);
      expect(d.submissionDetails!.eligibleToActivate).toBe(true);
      // The client returns what the provider said; deciding not to apply it is the store's job.
      expect(d.userId).toBe('someone-else');
    });

    it('should retry temporary failures (5xx, 429, timeouts) with backoff, then give up typed', async () => {
      const i = input({ userId: 'retry-user' });
      await s.control.setFaults({ endpoints: { submissions: { errorRate: 1 } } });
      const e = await rejection(t.client.getSubmissionDetails(i));
      expect(e.kind).toBe(OneKycErrorKind.TEMPORARY_SERVER_ERROR);
      expect((await s.control.stats()).calls.submissions).toBe(3);
      await s.control.setFaults({ endpoints: { submissions: { errorRate: 0, timeoutRate: 1 } } });
      const timeout = await rejection(t.client.getSubmissionDetails(i));
      expect(timeout.kind).toBe(OneKycErrorKind.TEMPORARY_TIMEOUT);
      expect((await s.control.stats()).calls.submissions).toBe(6);
    });

    it('should succeed when a retry gets through (seeded 50% failures)', async () => {
      const seeded = await startTestSandbox({
        seed: 7,
        faults: { endpoints: { submissions: { errorRate: 0.5 } } },
      });
      const c = await buildClient(seeded.url, {}, { retry: { maxRetries: 6, baseMs: 5, maxMs: 20 } });
      try {
        const i = input({ userId: 'flaky-user' });
        await seeded.control.complete(i.partnerSessionId, {
          userId: i.userId,
          userIdType: i.userIdType,
          deliver: false,
        });
        for (let n = 0; n < 5; n++) {
          expect((await c.client.getSubmissionDetails(i))!.partnerSessionId).toBe(i.partnerSessionId);
        }
        const stats = await seeded.control.stats();
        expect(stats.responses.submissions['500']).toBeGreaterThan(0);
        expect(stats.responses.submissions['200']).toBe(5);
      } finally {
        await c.close();
        await seeded.close();
      }
    });
  });

  describe('partner token and transport', () => {
    it('should surface bad credentials as a permanent UNAUTHORIZED token failure', async () => {
      const bad = await buildClient(s.url, { ONEKYC_PASS_KEY: '99999999-9999-4999-8999-999999999999' });
      try {
        const e = await rejection(bad.client.initiateFlow(input()));
        expect(e).toMatchObject({ kind: OneKycErrorKind.UNAUTHORIZED, operation: 'token', code: '110' });
        expect(e.isTemporary).toBe(false);
        expect((await s.control.stats()).calls.token).toBe(1); // permanent: not retried
      } finally {
        await bad.close();
      }
    });

    it('should retry a refused connection for every call, Initiate Flow included (it was never sent)', async () => {
      const port = await closedPort();
      const down = await buildClient(`http://127.0.0.1:${port}`, {}, FAST_RETRY);
      try {
        const before = await metricValue(PROVIDER_REQUESTS, {
          operation: 'token',
          outcome: 'TEMPORARY_NETWORK',
        });
        const e = await rejection(down.client.initiateFlow(input()));
        expect(e).toMatchObject({
          kind: OneKycErrorKind.TEMPORARY_NETWORK,
          operation: 'token',
          ambiguous: false,
        });
        const after = await metricValue(PROVIDER_REQUESTS, {
          operation: 'token',
          outcome: 'TEMPORARY_NETWORK',
        });
        expect(after - before).toBe(3);
        // With a valid token cached, Initiate Flow itself retries a refused connection too.
        const tokenOnly = await buildClient(
          s.url,
          { ONEKYC_API_BASE_URL: `http://127.0.0.1:${port}`, ONEKYC_TOKEN_BASE_URL: s.url },
          FAST_RETRY,
        );
        try {
          const b = await metricValue(PROVIDER_REQUESTS, {
            operation: 'initiateFlow',
            outcome: 'TEMPORARY_NETWORK',
          });
          const e2 = await rejection(tokenOnly.client.initiateFlow(input()));
          expect(e2).toMatchObject({
            kind: OneKycErrorKind.TEMPORARY_NETWORK,
            operation: 'initiateFlow',
            ambiguous: false,
          });
          const a = await metricValue(PROVIDER_REQUESTS, {
            operation: 'initiateFlow',
            outcome: 'TEMPORARY_NETWORK',
          });
          expect(a - b).toBe(3);
        } finally {
          await tokenOnly.close();
        }
      } finally {
        await down.close();
      }
    });

    it('should count calls by operation and outcome in /metrics', async () => {
      const before = await metricValue(PROVIDER_REQUESTS, { operation: 'initiateFlow', outcome: 'success' });
      await t.client.initiateFlow(input());
      expect(await metricValue(PROVIDER_REQUESTS, { operation: 'initiateFlow', outcome: 'success' })).toBe(
        before + 1,
      );
      expect(
        await metricValue(PROVIDER_REQUESTS, { operation: 'initiateFlow', outcome: 'VALIDATION' }),
      ).toBeGreaterThan(0);
    });
  });
});

/** A loopback port with nothing listening (bound, then released). */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}
