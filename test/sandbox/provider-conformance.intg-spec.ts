// Pins the sandbox to the provider's API reference: each documented path, header check, validation, error code and
// success shape, over real HTTP. If the provider's documentation changes, this file changes first.
import { json } from '../support/http.js';
import {
  initiateRequest,
  partnerToken,
  startTestSandbox,
  TEST_CLIENT_ID,
  TEST_ONBOARDING_PARTNER,
  TEST_PASS_KEY,
  TestSandbox,
} from './sandbox-harness.js';

const TOKEN_PATH = '/v1/esign/partner/authentication';
const INITIATE_PATH = '/esign-partner/v1/initiate-flow';
const SUBMISSIONS_PATH = '/esign-partner/v1/submissions';

const verifiedPhone = (phoneNumber: string) => ({
  phoneNumber,
  dataVerification: { phoneNumber: { isVerified: true, verificationReferenceId: 'otp-1' } },
});
const validBody = (over: Record<string, unknown> = {}) => ({
  flow: 'STANDALONE_IDENTITY_VERIFICATION',
  source: 'SDK',
  additionalDetails: verifiedPhone('628123456789'),
  ...over,
});

async function expectError(res: Response, status: number, code: string, cause: string): Promise<void> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toContain('application/json');
  const body = await json(res);
  expect(body).toEqual({ success: false, data: null, errors: [{ code, cause, entity: 'ESIGN_ADAPTER' }] });
}

describe("sandbox conformance with the provider's API reference", () => {
  let s: TestSandbox;
  let token: string;
  beforeAll(async () => {
    s = await startTestSandbox();
  });
  beforeEach(async () => {
    await s.control.reset();
    token = await partnerToken(s.url);
  });
  afterAll(async () => {
    await s?.close();
  });

  const initiate = (over: Parameters<typeof initiateRequest>[0] = {}) =>
    fetch(s.url + INITIATE_PATH, initiateRequest({ token, ...over }));
  const submissions = (headers: Record<string, string>) =>
    fetch(s.url + SUBMISSIONS_PATH, {
      headers: {
        'x-onekyc-token': token,
        'x-partner-user-id': 'user-1',
        'x-partner-user-id-type': 'USER_ID',
        'x-partner-session-id': 'session-1',
        ...headers,
      },
    });

  describe('1. partner authentication token', () => {
    it('should mint a token with string values and expires_at 30 minutes ahead in epoch seconds', async () => {
      const before = Math.floor(Date.now() / 1000);
      const res = await fetch(s.url + TOKEN_PATH, {
        headers: { 'client-id': TEST_CLIENT_ID, 'pass-key': TEST_PASS_KEY },
      });
      expect(res.status).toBe(200);
      const body = await json(res);
      expect(body.success).toBe(true);
      expect(typeof body.data.token).toBe('string');
      expect(body.data.expiry_seconds).toBe('1800');
      expect(body.data.expires_at).toMatch(/^\d+$/);
      const expiresAt = Number(body.data.expires_at);
      expect(expiresAt).toBeGreaterThanOrEqual(before + 1799);
      expect(expiresAt).toBeLessThanOrEqual(before + 1801);
    });

    it('should refuse a missing client-id or pass-key with 400 code 1650', async () => {
      await expectError(
        await fetch(s.url + TOKEN_PATH, { headers: { 'pass-key': TEST_PASS_KEY } }),
        400,
        '1650',
        'MISSING_CLIENT_ID',
      );
      await expectError(
        await fetch(s.url + TOKEN_PATH, { headers: { 'client-id': TEST_CLIENT_ID } }),
        400,
        '1650',
        'MISSING_PASS_KEY',
      );
    });

    it('should refuse wrong credentials with 401 code 110', async () => {
      await expectError(
        await fetch(s.url + TOKEN_PATH, {
          headers: { 'client-id': TEST_CLIENT_ID, 'pass-key': '33333333-3333-4333-8333-333333333333' },
        }),
        401,
        '110',
        'UNAUTHORIZED',
      );
      await expectError(
        await fetch(s.url + TOKEN_PATH, {
          headers: { 'client-id': '44444444-4444-4444-8444-444444444444', 'pass-key': TEST_PASS_KEY },
        }),
        401,
        '110',
        'UNAUTHORIZED',
      );
    });

    it('should answer 500 code 900 when the provider fails', async () => {
      await s.control.setFaults({ endpoints: { token: { errorRate: 1 } } });
      await expectError(
        await fetch(s.url + TOKEN_PATH, {
          headers: { 'client-id': TEST_CLIENT_ID, 'pass-key': TEST_PASS_KEY },
        }),
        500,
        '900',
        'GENERIC_SERVICE_ERROR',
      );
    });
  });

  describe('2. Initiate Flow', () => {
    it('should issue an SDK token with expirySeconds and expiresAt (60 days)', async () => {
      const res = await initiate();
      expect(res.status).toBe(200);
      const body = await json(res);
      expect(body.success).toBe(true);
      expect(Object.keys(body.data).sort()).toEqual(['expiresAt', 'expirySeconds', 'token']);
      expect(body.data.expirySeconds).toBe(60 * 24 * 3600);
      expect(Math.abs(body.data.expiresAt - (Date.now() / 1000 + 60 * 24 * 3600))).toBeLessThan(5);
    });

    it('should issue a launch URL for WEB_SDK, which needs both redirection URLs', async () => {
      const web = validBody({
        source: 'WEB_SDK',
        successRedirectionUrl: 'https://partner.example/ok',
        failureRedirectionUrl: 'https://partner.example/ko',
      });
      const res = await initiate({ body: web });
      expect(res.status).toBe(200);
      const body = await json(res);
      expect(Object.keys(body.data).sort()).toEqual(['expiresAt', 'expirySeconds', 'launchUrl']);
      expect(body.data.launchUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/sandbox\/web-sdk\//);
      expect((await fetch(body.data.launchUrl)).status).toBe(200);
      await expectError(
        await initiate({ body: { ...web, successRedirectionUrl: undefined } }),
        400,
        '1539',
        'SUCCESS_REDIRECTION_URL_IS_REQUIRED',
      );
      await expectError(
        await initiate({ body: { ...web, failureRedirectionUrl: undefined } }),
        400,
        '1539',
        'FAILURE_REDIRECTION_URL_IS_REQUIRED',
      );
    });

    it('should accept an email contact and userLocale inside or outside additionalDetails', async () => {
      const email = {
        email: 'user@example.com',
        dataVerification: { email: { isVerified: true, verificationReferenceId: 'mail-1' } },
      };
      expect(
        (await initiate({ body: validBody({ additionalDetails: email, userLocale: 'en_ID' }) })).status,
      ).toBe(200);
      const inside = { ...email, userLocale: 'id_ID' };
      expect((await initiate({ body: validBody({ additionalDetails: inside }) })).status).toBe(200);
      await expectError(
        await initiate({ body: validBody({ userLocale: 'fr_FR' }) }),
        400,
        '1539',
        'INVALID_USER_LOCALE',
      );
    });

    it('should refuse a missing, unknown, expired or revoked x-onekyc-token with 401 code 110', async () => {
      await expectError(await initiate({ token: undefined }), 401, '110', 'UNAUTHORIZED');
      await expectError(await initiate({ token: 'not-a-token' }), 401, '110', 'UNAUTHORIZED');
      await s.control.revokeTokens();
      await expectError(await initiate(), 401, '110', 'UNAUTHORIZED');
      await s.control.setFaults({ tokenLifetimeSeconds: 1 });
      token = await partnerToken(s.url);
      await new Promise((r) => setTimeout(r, 1100));
      await expectError(await initiate(), 401, '110', 'UNAUTHORIZED');
    });

    it('should refuse a missing onboarding partner with 400 and a foreign one with 403 code 110', async () => {
      await expectError(
        await initiate({ headers: { 'x-esign-onboarding-partner': undefined } }),
        400,
        '1650',
        'ESIGN_ONBOARDING_PARTNER_CAN_NOT_BE_EMPTY',
      );
      await expectError(
        await initiate({
          headers: { 'x-esign-onboarding-partner': 'OTHER-SDK-STANDALONE_IDENTITY_VERIFICATION' },
        }),
        403,
        '110',
        'ONBOARDING_PARTNER_DOES_NOT_BELONG_TO_CLIENT',
      );
    });

    it('should accept both published onboarding-partner header names, or only the configured one', async () => {
      const older = {
        'x-esign-onboarding-partner': undefined,
        'x-onboarding-partner': TEST_ONBOARDING_PARTNER,
      };
      expect((await initiate({ headers: older })).status).toBe(200);
      await s.control.updateSettings({ onboardingPartnerHeader: 'x-esign-onboarding-partner' });
      await expectError(
        await initiate({ headers: older }),
        400,
        '1650',
        'ESIGN_ONBOARDING_PARTNER_CAN_NOT_BE_EMPTY',
      );
      expect((await initiate()).status).toBe(200);
      await s.control.updateSettings({ onboardingPartnerHeader: 'both' });
    });

    it.each([
      ['x-partner-user-id', '1550', 'PARTNER_USER_ID_CAN_NOT_BE_EMPTY'],
      ['x-partner-user-id-type', '1650', 'PARTNER_USER_ID_TYPE_CAN_NOT_BE_EMPTY'],
      ['x-partner-session-id', '1650', 'PARTNER_SESSION_ID_CAN_NOT_BE_EMPTY'],
    ])('should refuse a request without %s (400, the code of the error page)', async (name, code, cause) => {
      await expectError(await initiate({ headers: { [name]: undefined } }), 400, code, cause);
    });

    it("should accept each platform's own onboarding-partner value and refuse the other platform's", async () => {
      const sdk = 'PARTNER_A-SDK-STANDALONE_IDENTITY_VERIFICATION';
      const web = 'PARTNER_A-WEB_SDK-STANDALONE_IDENTITY_VERIFICATION';
      await s.control.updateSettings({ onboardingPartners: { SDK: sdk, WEB_SDK: web } });
      try {
        const webBody = validBody({
          source: 'WEB_SDK',
          successRedirectionUrl: 'https://partner.example/ok',
          failureRedirectionUrl: 'https://partner.example/ko',
        });
        const as = (value: string, body: unknown, sessionId: string) =>
          initiate({
            headers: { 'x-esign-onboarding-partner': value, 'x-partner-session-id': sessionId },
            body,
          });
        expect((await as(sdk, validBody(), 'sdk-ok')).status).toBe(200);
        expect((await as(web, webBody, 'web-ok')).status).toBe(200);
        expect((await s.control.session('web-ok'))!.session.request).toMatchObject({
          onboardingPartner: web,
        });
        for (const [value, body, id] of [
          [sdk, webBody, 'sdk-for-web'],
          [web, validBody(), 'web-for-sdk'],
          [TEST_ONBOARDING_PARTNER, validBody(), 'old-value'],
        ] as const) {
          await expectError(
            await as(value, body, id),
            403,
            '110',
            'ONBOARDING_PARTNER_DOES_NOT_BELONG_TO_CLIENT',
          );
          expect(await s.control.session(id)).toBeUndefined();
        }
        expect((await s.control.settings()).onboardingPartners).toEqual({ SDK: sdk, WEB_SDK: web });
      } finally {
        await s.control.updateSettings({
          onboardingPartners: { SDK: TEST_ONBOARDING_PARTNER, WEB_SDK: TEST_ONBOARDING_PARTNER },
        });
      }
    });

    it('should accept Smart QR (allowQr, forceQr) for WEB_SDK only, as booleans, and record them', async () => {
      const web = (qr: Record<string, unknown>, source = 'WEB_SDK') =>
        validBody({
          source,
          successRedirectionUrl: 'https://partner.example/ok',
          failureRedirectionUrl: 'https://partner.example/ko',
          additionalDetails: { ...verifiedPhone('628123456789'), ...qr },
        });
      const ok = await initiate({
        headers: { 'x-partner-session-id': 'qr-1' },
        body: web({ allowQr: true, forceQr: true }),
      });
      expect(ok.status).toBe(200);
      expect((await json(ok)).data.launchUrl).toContain('/sandbox/web-sdk/qr-1');
      expect((await s.control.session('qr-1'))!.session.request).toEqual({
        onboardingPartner: TEST_ONBOARDING_PARTNER,
        allowQr: true,
        forceQr: true,
        successRedirectionUrl: 'https://partner.example/ok',
        failureRedirectionUrl: 'https://partner.example/ko',
      });
      await expectError(
        await initiate({ body: web({ allowQr: true }, 'SDK') }),
        400,
        '1539',
        'SMART_QR_IS_ONLY_FOR_WEB_SDK',
      );
      await expectError(
        await initiate({ body: web({ forceQr: 'yes' }) }),
        400,
        '1539',
        'INVALID_ADDITIONAL_DETAILS',
      );
    });

    it.each([
      ['an unknown flow', validBody({ flow: 'OTHER_FLOW' }), 'INVALID_FLOW'],
      ['no flow', validBody({ flow: undefined }), 'INVALID_FLOW'],
      ['an unknown source', validBody({ source: 'APP' }), 'INVALID_SOURCE'],
      ['neither phone nor email', validBody({ additionalDetails: {} }), 'PHONE_NUMBER_OR_EMAIL_IS_REQUIRED'],
      [
        'no additionalDetails',
        validBody({ additionalDetails: undefined }),
        'PHONE_NUMBER_OR_EMAIL_IS_REQUIRED',
      ],
      [
        'an unverified phone',
        validBody({
          additionalDetails: {
            phoneNumber: '628123456789',
            dataVerification: { phoneNumber: { isVerified: false } },
          },
        }),
        'PHONE_NUMBER_VERIFICATION_MUST_BE_TRUE',
      ],
      [
        'a phone without verification',
        validBody({ additionalDetails: { phoneNumber: '628123456789' } }),
        'PHONE_NUMBER_VERIFICATION_MUST_BE_TRUE',
      ],
      [
        'a verified phone without reference id',
        validBody({
          additionalDetails: {
            phoneNumber: '628123456789',
            dataVerification: { phoneNumber: { isVerified: true } },
          },
        }),
        'PHONE_NUMBER_VERIFICATION_REFERENCE_ID_IS_REQUIRED',
      ],
      [
        'an unverified email',
        validBody({
          additionalDetails: { email: 'a@example.com', dataVerification: { email: { isVerified: false } } },
        }),
        'EMAIL_VERIFICATION_MUST_BE_TRUE',
      ],
      [
        'a verified email without reference id',
        validBody({
          additionalDetails: { email: 'a@example.com', dataVerification: { email: { isVerified: true } } },
        }),
        'EMAIL_VERIFICATION_REFERENCE_ID_IS_REQUIRED',
      ],
    ])('should refuse %s with 400 code 1539', async (_what, body, cause) => {
      await expectError(await initiate({ body }), 400, '1539', cause);
    });

    it.each([
      ['62812345678', 200],
      ['628123456789012', 200],
      ['6281234567', 400],
      ['6281234567890123', 400],
      ['08123456789', 400],
      ['+628123456789', 400],
    ])('should check the phone %s: starts with 62, 11 to 15 digits', async (phone, status) => {
      const res = await initiate({ body: validBody({ additionalDetails: verifiedPhone(phone) }) });
      expect(res.status).toBe(status);
      if (status === 400) await expectError(res, 400, '1539', 'INVALID_PHONE_NUMBER');
    });

    it('should refuse a reused x-partner-session-id with DUPLICATE_PARTNER_SESSION_ID', async () => {
      const headers = { 'x-partner-session-id': 'same-session' };
      expect((await initiate({ headers })).status).toBe(200);
      await expectError(await initiate({ headers }), 400, '1539', 'DUPLICATE_PARTNER_SESSION_ID');
      await expectError(
        await initiate({ headers: { ...headers, 'x-partner-user-id': 'someone-else' } }),
        400,
        '1539',
        'DUPLICATE_PARTNER_SESSION_ID',
      );
    });

    it('should answer a body that is not JSON with the envelope, not a framework error', async () => {
      const req = initiateRequest({ token });
      await expectError(
        await fetch(s.url + INITIATE_PATH, { ...req, body: '{"flow":' }),
        400,
        '1539',
        'INVALID_REQUEST_BODY',
      );
    });
  });

  describe('3. Get Submission Details', () => {
    async function open(sessionId: string, userId: string): Promise<void> {
      const res = await initiate({
        headers: { 'x-partner-session-id': sessionId, 'x-partner-user-id': userId },
      });
      expect(res.status).toBe(200);
    }

    it('should answer 404 code 1514 while the user has no submission', async () => {
      await open('session-1', 'user-1');
      await expectError(await submissions({}), 404, '1514', 'USER_NOT_FOUND');
    });

    it('should answer the callback shape plus flow, processedAt and reasonCode once completed', async () => {
      await open('session-1', 'user-1');
      const done = await s.control.complete('session-1', {
        result: 'INVALID',
        reasonCode: 'LIVENESS_CHECK_FAILED',
      });
      const res = await submissions({});
      expect(res.status).toBe(200);
      const body = await json(res);
      expect(body.success).toBe(true);
      expect(body.data).toMatchObject({
        submissionId: done.submission.submissionId,
        userId: 'user-1',
        userIdType: 'USER_ID',
        partnerSessionId: 'session-1',
        status: 'COMPLETED',
        result: 'INVALID',
        reasonCode: 'LIVENESS_CHECK_FAILED',
        flow: 'STANDALONE_IDENTITY_VERIFICATION',
      });
      expect(new Date(body.data.processedAt).toISOString()).toBe(body.data.processedAt);
      const d = body.data.submissionDetails;
      expect(d.verificationResult).toEqual({
        nik: 'PASS',
        name: 'PASS',
        dateOfBirth: 'PASS',
        selfie: 'FAIL',
      });
      expect(d.ktpData.nik).toMatch(/^\d{16}$/);
      expect(d.ktpData.dateOfBirth).toMatch(/^\d{2}-\d{2}-\d{4}$/);
      expect(d.certificateRegistration).toEqual({
        eligibleToActivate: true,
        onboardingCode: 'NEW_USER',
        shouldSkipActivation: true,
      });
      expect(Object.keys(d.imageUrls).sort()).toEqual(['ADDITIONAL_SELFIE', 'KTP', 'SELFIE']);
      expect((await fetch(d.imageUrls.KTP)).headers.get('content-type')).toBe('image/jpeg');
      // Exactly the callback body the control API delivered, plus flow and processedAt.
      expect(body.data).toEqual({
        ...done.submission,
        flow: 'STANDALONE_IDENTITY_VERIFICATION',
        processedAt: body.data.processedAt,
      });
    });

    it('should answer 404 1518 or 400 1552 SUBMISSION_DOES_NOT_EXIST for "no submission yet" when set so', async () => {
      await open('session-1', 'user-1');
      await s.control.setFaults({ notFoundCode: '1552' });
      await expectError(await submissions({}), 400, '1552', 'SUBMISSION_DOES_NOT_EXIST');
      await s.control.setFaults({ notFoundCode: '1518' });
      await expectError(await submissions({}), 404, '1518', 'USER_NOT_FOUND');
    });

    it('should show IN_PROGRESS to polling, with processedAt, and never send it by callback', async () => {
      await open('session-1', 'user-1');
      await s.control.updateSettings({ callbackUrl: 'http://127.0.0.1:9/never-called' });
      try {
        const done = await s.control.complete('session-1', { status: 'IN_PROGRESS' });
        expect(done.delivery).toEqual({ sent: false, reason: 'polling-only', attempts: [] });
        const body = await json(await submissions({}));
        expect(body.data).toMatchObject({ status: 'IN_PROGRESS', partnerSessionId: 'session-1' });
        expect(body.data.result).toBeUndefined();
        expect(Date.parse(body.data.processedAt)).toBeGreaterThan(Date.now() - 60_000);
        expect((await s.control.stats()).callbacks.attempts).toBe(0);
      } finally {
        await s.control.updateSettings({ callbackUrl: null });
      }
    });

    it("should carry another user's id, or none, in the result when told to (callback and poll alike)", async () => {
      await open('session-1', 'user-1');
      const other = await s.control.complete('session-1', {
        deliver: false,
        resultUserId: 'user-2',
        resultUserIdType: 'PHONE',
      });
      expect(other.submission).toMatchObject({ userId: 'user-2', userIdType: 'PHONE' });
      const polled = await json(await submissions({}));
      expect(polled.data).toMatchObject({
        partnerSessionId: 'session-1',
        userId: 'user-2',
        userIdType: 'PHONE',
      });
      await s.control.complete('session-1', { deliver: false, resultUserId: null, resultUserIdType: null });
      const anonymous = (await json(await submissions({}))).data;
      expect('userId' in anonymous || 'userIdType' in anonymous).toBe(false);
    });

    it('should put eligibleToActivate under submissionDetails instead of certificateRegistration when told to', async () => {
      await open('session-1', 'user-1');
      await s.control.complete('session-1', {
        deliver: false,
        eligibleToActivateUnder: 'submissionDetails',
        eligibleToActivate: false,
      });
      const d = (await json(await submissions({}))).data.submissionDetails;
      expect(d.eligibleToActivate).toBe(false);
      expect(d.certificateRegistration).toEqual({ onboardingCode: 'NEW_USER', shouldSkipActivation: true });
    });

    it("should answer another user's session with 1553 instead of 1653 when set so", async () => {
      await open('session-1', 'user-1');
      await open('session-2', 'user-2');
      await s.control.setFaults({ otherUserCode: '1553' });
      await expectError(
        await submissions({ 'x-partner-user-id': 'user-2', 'x-partner-session-id': 'session-1' }),
        400,
        '1553',
        'PARTNER_SESSION_ID_DOES_NOT_BELONG_TO_THE_USER',
      );
    });

    it("should answer the user's CURRENT submission, even when asked with an older session", async () => {
      await open('session-old', 'user-1');
      await open('session-new', 'user-1');
      await s.control.complete('session-old', { result: 'INVALID' });
      await s.control.complete('session-new', { result: 'VALID' });
      const body = await json(await submissions({ 'x-partner-session-id': 'session-old' }));
      expect(body.data).toMatchObject({ partnerSessionId: 'session-new', result: 'VALID' });
    });

    it('should refuse a session that belongs to another user with 400 code 1653', async () => {
      await open('session-1', 'user-1');
      await open('session-2', 'user-2');
      await s.control.complete('session-2');
      await expectError(
        await submissions({ 'x-partner-user-id': 'user-2', 'x-partner-session-id': 'session-1' }),
        400,
        '1653',
        'SUBMISSION_DOES_NOT_BELONG_TO_USER',
      );
    });

    it('should check the token and every partner header', async () => {
      await expectError(await submissions({ 'x-onekyc-token': 'nope' }), 401, '110', 'UNAUTHORIZED');
      await expectError(
        await submissions({ 'x-partner-user-id': '' }),
        400,
        '1550',
        'PARTNER_USER_ID_CAN_NOT_BE_EMPTY',
      );
      await expectError(
        await submissions({ 'x-partner-user-id-type': '' }),
        400,
        '1650',
        'PARTNER_USER_ID_TYPE_CAN_NOT_BE_EMPTY',
      );
      await expectError(
        await submissions({ 'x-partner-session-id': '' }),
        400,
        '1650',
        'PARTNER_SESSION_ID_CAN_NOT_BE_EMPTY',
      );
    });
  });

  describe('4. image URLs (presigned, expiring)', () => {
    const MAGIC = { jpeg: 'ffd8ff', png: '89504e47', webp: '52494646' } as const;
    async function completed(over: Parameters<TestSandbox['control']['complete']>[1] = {}) {
      const res = await initiate({ headers: { 'x-partner-session-id': 'session-img' } });
      expect(res.status).toBe(200);
      const done = await s.control.complete('session-img', { deliver: false, ...over });
      return done.submission.submissionDetails!.imageUrls!;
    }
    const bytes = async (res: Response) => Buffer.from(await res.arrayBuffer());

    it('should sign every image URL with expires (5 days after the result) and a signature', async () => {
      const before = Math.floor(Date.now() / 1000);
      const urls = await completed();
      for (const kind of ['KTP', 'SELFIE', 'ADDITIONAL_SELFIE'] as const) {
        const u = new URL(urls[kind]!);
        expect(u.pathname).toMatch(new RegExp(`/${kind}$`));
        const expires = Number(u.searchParams.get('expires'));
        expect(expires).toBeGreaterThanOrEqual(before + 432_000);
        expect(expires).toBeLessThanOrEqual(before + 432_001);
        expect(u.searchParams.get('signature')).toMatch(/^[0-9a-f]{64}$/);
      }
      // Polling repeats the URLs the callback carried.
      const polled = await json(await submissions({ 'x-partner-session-id': 'session-img' }));
      expect(polled.data.submissionDetails.imageUrls).toEqual(urls);
    });

    it('should serve a real JPEG by default, the same bytes every time, different per kind', async () => {
      const urls = await completed();
      const ktp = await fetch(urls.KTP!);
      expect(ktp.status).toBe(200);
      expect(ktp.headers.get('content-type')).toBe('image/jpeg');
      const first = await bytes(ktp);
      expect(first.subarray(0, 3).toString('hex')).toBe(MAGIC.jpeg);
      expect(first.subarray(-2).toString('hex')).toBe('ffd9');
      expect(first.length).toBeLessThan(4096);
      expect((await bytes(await fetch(urls.KTP!))).equals(first)).toBe(true);
      expect((await bytes(await fetch(urls.SELFIE!))).equals(first)).toBe(false);
    });

    it('should serve PNG or WebP when the format is set, with their content types', async () => {
      const urls = await completed();
      for (const format of ['png', 'webp'] as const) {
        await s.control.setFaults({ images: { format } });
        const res = await fetch(urls.SELFIE!);
        expect(res.headers.get('content-type')).toBe(`image/${format}`);
        const body = await bytes(res);
        expect(body.subarray(0, 4).toString('hex')).toBe(MAGIC[format]);
        if (format === 'webp') expect(body.subarray(8, 16).toString('ascii')).toBe('WEBPVP8L');
        if (format === 'png') expect(body.readUInt32BE(16)).toBe(48); // IHDR width
      }
    });

    it('should refuse an expired URL with 403 and S3 AccessDenied XML, and count it', async () => {
      await s.control.setFaults({ images: { lifetimeSeconds: 1 } });
      const urls = await completed();
      expect((await fetch(urls.KTP!)).status).toBe(200);
      await new Promise((r) => setTimeout(r, 1100));
      const res = await fetch(urls.KTP!);
      expect(res.status).toBe(403);
      expect(res.headers.get('content-type')).toContain('application/xml');
      const text = await res.text();
      expect(text).toContain('<Code>AccessDenied</Code>');
      expect(text).toContain('<Message>Request has expired</Message>');
      expect((await s.control.stats()).images).toMatchObject({ served: 1, denied: 1, expired: 1 });
    });

    it('should refuse a changed signature or expiry, a missing one, and answer NoSuchKey for an unknown key', async () => {
      const urls = await completed();
      const u = new URL(urls.KTP!);
      const forged = new URL(u);
      forged.searchParams.set('expires', String(Number(u.searchParams.get('expires')) + 3600));
      const tampered = await fetch(forged);
      expect(tampered.status).toBe(403);
      expect(await tampered.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
      const bare = await fetch(u.origin + u.pathname);
      expect(bare.status).toBe(403);
      expect(await bare.text()).toContain('<Code>AccessDenied</Code>');
      const unknown = await fetch(u.origin + '/sandbox/images/no-such-submission/KTP' + u.search);
      expect(unknown.status).toBe(404);
      expect(await unknown.text()).toContain('<Code>NoSuchKey</Code>');
    });

    it('should serve an HTML page, or HTML labelled as an image, when told to', async () => {
      const urls = await completed();
      await s.control.setFaults({ images: { body: 'html' } });
      const html = await fetch(urls.KTP!);
      expect(html.headers.get('content-type')).toContain('text/html');
      await s.control.setFaults({ images: { body: 'html-as-image' } });
      const lying = await fetch(urls.KTP!);
      expect(lying.headers.get('content-type')).toBe('image/jpeg');
      expect((await lying.text()).startsWith('<!doctype html>')).toBe(true);
    });

    it('should serve an oversize body with a length, or streamed without one', async () => {
      const urls = await completed();
      await s.control.setFaults({ images: { body: 'oversize', oversizeBytes: 300_000 } });
      const sized = await fetch(urls.KTP!);
      expect(sized.headers.get('content-length')).toBe('300000');
      const body = await bytes(sized);
      expect(body.length).toBe(300_000);
      expect(body.subarray(0, 3).toString('hex')).toBe(MAGIC.jpeg);
      await s.control.setFaults({ images: { body: 'oversize-chunked' } });
      const streamed = await fetch(urls.KTP!);
      expect(streamed.headers.get('content-length')).toBeNull();
      expect((await bytes(streamed)).length).toBe(300_000);
    });

    it('should refuse a bad image setting naming the field', async () => {
      await expect(s.control.setFaults({ images: { format: 'gif' as never } })).rejects.toThrow(
        /images.format must be one of jpeg, png, webp/,
      );
    });
  });

  describe('faults', () => {
    it('should answer 429 with Retry-After and 500 code 900 at the configured rates, before processing', async () => {
      await s.control.setFaults({ endpoints: { initiateFlow: { throttleRate: 1 } } });
      const throttled = await initiate({ headers: { 'x-partner-session-id': 'throttled' } });
      expect(throttled.headers.get('retry-after')).toBe('1');
      await expectError(throttled, 429, '429', 'TOO_MANY_REQUESTS');
      await s.control.setFaults({ endpoints: { initiateFlow: { throttleRate: 0, errorRate: 1 } } });
      await expectError(
        await initiate({ headers: { 'x-partner-session-id': 'failed' } }),
        500,
        '900',
        'GENERIC_SERVICE_ERROR',
      );
      expect(await s.control.session('throttled')).toBeUndefined();
      expect(await s.control.session('failed')).toBeUndefined();
    });

    it('should process then never answer a "timeout", so a repeat of that session is a duplicate', async () => {
      await s.control.setFaults({ endpoints: { initiateFlow: { timeoutRate: 1 } } });
      const headers = { 'x-partner-session-id': 'held' };
      await expect(
        fetch(s.url + INITIATE_PATH, {
          ...initiateRequest({ token, headers }),
          signal: AbortSignal.timeout(300),
        }),
      ).rejects.toThrow();
      expect(await s.control.session('held')).toBeDefined();
      await s.control.resetFaults();
      await expectError(await initiate({ headers }), 400, '1539', 'DUPLICATE_PARTNER_SESSION_ID');
      const stats = await s.control.stats();
      expect(stats.responses.initiateFlow).toMatchObject({ timeout: 1, '400': 1 });
    });

    it('should force a listed error (903 FORBIDDEN, 1550, 1553) on an endpoint after the token check', async () => {
      await s.control.setFaults({ forcedErrors: { initiateFlow: '903', submissions: '1550' } });
      await expectError(await initiate({ token: 'nope' }), 401, '110', 'UNAUTHORIZED');
      await expectError(await initiate(), 403, '903', 'FORBIDDEN');
      await expectError(await submissions({}), 400, '1550', 'PARTNER_USER_ID_CAN_NOT_BE_EMPTY');
      await s.control.setFaults({ forcedErrors: { submissions: '1553', token: '903' } });
      await expectError(await submissions({}), 400, '1553', 'PARTNER_SESSION_ID_DOES_NOT_BELONG_TO_THE_USER');
      await expectError(
        await fetch(s.url + TOKEN_PATH, {
          headers: { 'client-id': TEST_CLIENT_ID, 'pass-key': TEST_PASS_KEY },
        }),
        403,
        '903',
        'FORBIDDEN',
      );
      await s.control.setFaults({ forcedErrors: { initiateFlow: null } });
      expect((await initiate()).status).toBe(200);
      await expect(s.control.setFaults({ forcedErrors: { submissions: '999' as never } })).rejects.toThrow(
        /forcedErrors.submissions must be null or one of/,
      );
    });

    it('should add latency', async () => {
      await s.control.setFaults({ endpoints: { submissions: { latencyMs: 300 } } });
      const started = performance.now();
      await submissions({});
      expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    });

    it('should answer unknown provider paths with the envelope', async () => {
      await expectError(await fetch(s.url + '/esign-partner/v1/unknown'), 404, '404', 'NOT_FOUND');
    });
  });
});
