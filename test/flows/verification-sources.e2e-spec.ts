// One deployment, both platforms: the request's `source` (default ONEKYC_SOURCE) picks the answer
// (sdkToken or launchUrl) and the onboarding-partner value the provider issued for that platform;
// Smart QR and the redirect URLs belong to the web flow. Against the real sandbox over HTTP.
import { metricValue } from '../onekyc/client-harness.js';
import { TEST_API_KEY } from '../support/app.js';
import { bearer, json } from '../support/http.js';
import { startStack, TestStack } from '../support/stack.js';

const SDK_VALUE = 'TEST_PARTNER-SDK-STANDALONE_IDENTITY_VERIFICATION';
const WEB_VALUE = 'TEST_PARTNER-WEB_SDK-STANDALONE_IDENTITY_VERIFICATION';
const redirects = {
  successRedirectionUrl: 'https://partner.example/kyc/ok',
  failureRedirectionUrl: 'http://localhost:8080/kyc/ko',
};
const validBody = (over: Record<string, unknown> = {}) => ({
  userId: 'user-sources-1',
  phoneNumber: '628123456789',
  verification: { isVerified: true, verificationReferenceId: 'otp-1' },
  ...over,
});

describe('POST /v1/verifications per source (SDK and WEB_SDK in one deployment)', () => {
  let s: TestStack;
  const post = (body: unknown) =>
    fetch(`${s.baseUrl}/v1/verifications`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(TEST_API_KEY) },
      body: JSON.stringify(body),
    });
  const problemFields = async (res: Response) => {
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    return ((await json(res)).errors as { field: string }[]).map((e) => e.field);
  };

  beforeAll(async () => {
    // Only the per-source values: ONEKYC_ONBOARDING_PARTNER is not needed when both are set.
    s = await startStack({
      ONEKYC_ONBOARDING_PARTNER: undefined,
      ONEKYC_ONBOARDING_PARTNER_SDK: SDK_VALUE,
      ONEKYC_ONBOARDING_PARTNER_WEB_SDK: WEB_VALUE,
    });
    // The provider knows one value per platform and refuses the other platform's.
    await s.control.updateSettings({ onboardingPartners: { SDK: SDK_VALUE, WEB_SDK: WEB_VALUE } });
  });
  afterAll(async () => {
    await s?.close();
  });
  beforeEach(async () => {
    await s.control.resetFaults();
  });

  it("sends each source's own onboarding-partner value: an SDK token for SDK, a launch URL for WEB_SDK", async () => {
    const sdk = await post(validBody());
    expect(sdk.status).toBe(201);
    const sdkBody = await json(sdk);
    expect(typeof sdkBody.sdkToken).toBe('string');
    expect(sdkBody.launchUrl).toBeUndefined();
    expect((await s.control.session(sdkBody.id))!.session).toMatchObject({
      source: 'SDK',
      request: { onboardingPartner: SDK_VALUE },
    });

    const web = await post(validBody({ source: 'WEB_SDK', ...redirects }));
    expect(web.status).toBe(201);
    const webBody = await json(web);
    expect(webBody.launchUrl).toContain(`/sandbox/web-sdk/${webBody.id}`);
    expect(webBody.sdkToken).toBeUndefined();
    expect((await s.control.session(webBody.id))!.session).toMatchObject({
      source: 'WEB_SDK',
      request: { onboardingPartner: WEB_VALUE, ...redirects },
    });
    const read = await json(
      await fetch(`${s.baseUrl}/v1/verifications/${webBody.id}`, { headers: bearer(TEST_API_KEY) }),
    );
    expect(read).toMatchObject({ id: webBody.id, source: 'WEB_SDK', status: 'INITIATED', result: null });
  });

  it('forwards Smart QR (allowQr, forceQr) for WEB_SDK', async () => {
    const res = await post(validBody({ source: 'WEB_SDK', ...redirects, allowQr: true, forceQr: false }));
    expect(res.status).toBe(201);
    const { id } = await json(res);
    expect((await s.control.session(id))!.session.request).toMatchObject({ allowQr: true, forceQr: false });
  });

  it('refuses Smart QR for SDK with a 400 naming the field, before any provider call', async () => {
    await s.control.resetStats();
    expect(await problemFields(await post(validBody({ allowQr: true })))).toEqual(['allowQr']);
    expect(
      await problemFields(await post(validBody({ source: 'SDK', allowQr: false, forceQr: true }))),
    ).toEqual(['allowQr', 'forceQr']);
    expect((await s.control.stats()).calls.initiateFlow).toBe(0);
  });

  it('refuses a non-boolean QR flag, an unknown source, and bad or missing redirect URLs, naming the field', async () => {
    const fields = async (body: unknown) => {
      const res = await post(body);
      expect(res.status).toBe(400);
      return JSON.stringify(await json(res));
    };
    expect(await fields(validBody({ source: 'WEB_SDK', ...redirects, forceQr: 'yes' }))).toContain('forceQr');
    expect(await fields(validBody({ source: 'APP' }))).toContain('source must be SDK or WEB_SDK');
    expect(await problemFields(await post(validBody({ source: 'WEB_SDK' })))).toEqual([
      'successRedirectionUrl',
      'failureRedirectionUrl',
    ]);
    expect(
      await fields(
        validBody({ source: 'WEB_SDK', ...redirects, failureRedirectionUrl: 'ftp://partner.example/x' }),
      ),
    ).toContain('failureRedirectionUrl');
    const long = `https://partner.example/${'a'.repeat(2030)}`;
    expect(
      await fields(validBody({ source: 'WEB_SDK', ...redirects, successRedirectionUrl: long })),
    ).toContain('successRedirectionUrl');
  });

  it('documents source, allowQr, forceQr and the redirect URLs in the OpenAPI document', async () => {
    const doc = await json(await fetch(`${s.baseUrl}/docs-json`));
    const props = doc.components.schemas.CreateVerificationDto.properties;
    expect(props.source.enum).toEqual(['SDK', 'WEB_SDK']);
    expect(props.allowQr.type).toBe('boolean');
    expect(props.forceQr.type).toBe('boolean');
    expect(props.successRedirectionUrl.maxLength).toBe(2048);
    expect(props.failureRedirectionUrl.description).toContain('never a result');
    const created = doc.components.schemas.VerificationCreatedDto.properties;
    expect(Object.keys(created)).toEqual(expect.arrayContaining(['sdkToken', 'launchUrl']));
  });

  it('raises a configuration refusal (903 FORBIDDEN) loudly: 502, a metric, and /health/ready degraded but 200', async () => {
    const before = await metricValue('onekyc_configuration_errors_total', { code: '903' });
    await s.control.setFaults({ forcedErrors: { initiateFlow: '903' } });
    await s.control.resetStats();
    const res = await post(validBody({ userId: 'user-forbidden' }));
    expect(res.status).toBe(502);
    expect(await json(res)).toMatchObject({ cause: 'FORBIDDEN', code: '903', kind: 'CONFIGURATION' });
    // Permanent: sent once, not retried.
    expect((await s.control.stats()).calls.initiateFlow).toBe(1);
    expect(await metricValue('onekyc_configuration_errors_total', { code: '903' })).toBe(before + 1);
    const ready = await fetch(`${s.baseUrl}/health/ready`);
    expect(ready.status).toBe(200);
    const health = await json(ready);
    expect(health.status).toBe('degraded');
    expect(health.details.provider).toMatchObject({
      status: 'degraded',
      configurationErrors: [{ operation: 'initiateFlow', code: '903', cause: 'FORBIDDEN', httpStatus: 403 }],
    });
    // Once the provider accepts us again, the detail clears.
    await s.control.resetFaults();
    expect((await post(validBody({ userId: 'user-forbidden' }))).status).toBe(201);
    const after = await json(await fetch(`${s.baseUrl}/health/ready`));
    expect(after.status).toBe('ok');
    expect(after.details.provider).toEqual({ status: 'up' });
  });
});
