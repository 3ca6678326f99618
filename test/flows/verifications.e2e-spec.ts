import { DataSource } from 'typeorm';
import { startTestApp, TEST_API_KEY } from '../support/app.js';
import { bearer, json } from '../support/http.js';
import { startStack, TestStack } from '../support/stack.js';

const validBody = (over: Record<string, unknown> = {}) => ({
  userId: 'user-flows-1',
  phoneNumber: '628123456789',
  verification: { isVerified: true, verificationReferenceId: 'otp-1' },
  ...over,
});

describe('POST /v1/verifications (real app, real sandbox, real PostgreSQL)', () => {
  let s: TestStack;
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${s.baseUrl}/v1/verifications`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(TEST_API_KEY), ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  beforeAll(async () => {
    s = await startStack();
  });
  afterAll(async () => {
    await s?.close();
  });
  beforeEach(async () => {
    await s.control.resetFaults();
  });

  it('starts a verification with a verified phone and returns the SDK token', async () => {
    const res = await post(validBody());
    expect(res.status).toBe(201);
    const body = await json(res);
    expect(body).toMatchObject({ status: 'INITIATED' });
    expect(body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(typeof body.sdkToken).toBe('string');
    expect(new Date(body.expiresAt).getTime()).toBeGreaterThan(Date.now());
    const session = await s.control.session(body.id);
    expect(session?.session).toMatchObject({ userId: 'user-flows-1', userIdType: 'USER_ID', source: 'SDK' });
    const read = await json(
      await fetch(`${s.baseUrl}/v1/verifications/${body.id}`, { headers: bearer(TEST_API_KEY) }),
    );
    expect(read).toMatchObject({ id: body.id, status: 'INITIATED', result: null, userId: 'user-flows-1' });
    expect(JSON.stringify(read)).not.toContain('628123456789');
  });

  it('starts a verification with a verified email', async () => {
    const res = await post(
      validBody({ phoneNumber: undefined, email: 'someone@example.com', userIdType: 'EMAIL_USER' }),
    );
    expect(res.status).toBe(201);
    const body = await json(res);
    const session = await s.control.session(body.id);
    expect(session?.session).toMatchObject({ userIdType: 'EMAIL_USER' });
  });

  it.each([
    ['userId missing', { userId: undefined }, 'userId'],
    ['userId too long', { userId: 'x'.repeat(129) }, 'userId'],
    ['userIdType empty', { userIdType: '' }, 'userIdType'],
    ['phone neither 62… nor national 0…', { phoneNumber: '18123456789' }, 'phoneNumber'],
    ['phone too short', { phoneNumber: '6281234567' }, 'phoneNumber'],
    ['phone too long', { phoneNumber: '62812345678901234' }, 'phoneNumber'],
    ['no contact', { phoneNumber: undefined }, 'phoneNumber'],
    ['bad email', { phoneNumber: undefined, email: 'not-an-email' }, 'email'],
    ['email null beside a phone', { email: null }, 'email'],
    ['email with a lone surrogate', { email: 'a\ud800@example.com' }, 'email'],
    ['phone null beside an email', { phoneNumber: null, email: 'someone@example.com' }, 'phoneNumber'],
    ['userId outside printable ASCII', { userId: 'user-\u{1d54f}' }, 'userId'],
    ['userId with a NUL', { userId: 'user\u0000' }, 'userId'],
    ['userId with edge spaces', { userId: ' user ' }, 'userId'],
    ['userIdType with a newline', { userIdType: 'A\nB' }, 'userIdType'],
    [
      'not verified',
      { verification: { isVerified: false, verificationReferenceId: 'r' } },
      'verification.isVerified',
    ],
    ['no reference', { verification: { isVerified: true } }, 'verification.verificationReferenceId'],
    [
      'empty reference',
      { verification: { isVerified: true, verificationReferenceId: '' } },
      'verification.verificationReferenceId',
    ],
    [
      'blank reference',
      { verification: { isVerified: true, verificationReferenceId: '   ' } },
      'verification.verificationReferenceId',
    ],
    ['verification missing', { verification: undefined }, 'verification'],
    ['bad locale', { userLocale: 'fr_FR' }, 'userLocale'],
    ['ftp redirect', { successRedirectionUrl: 'ftp://x.example/a' }, 'successRedirectionUrl'],
    [
      'huge redirect',
      { failureRedirectionUrl: 'https://x.example/' + 'a'.repeat(2048) },
      'failureRedirectionUrl',
    ],
    ['unknown field', { extra: 1 }, 'extra'],
    [
      'unknown nested field',
      { verification: { isVerified: true, verificationReferenceId: 'r', x: 1 } },
      'verification.x',
    ],
    ['wrong type', { userId: 42 }, 'userId'],
  ])('refuses %s with a 400 naming the field, without calling the provider', async (_name, over, field) => {
    await s.control.resetStats();
    const res = await post(validBody(over));
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const body = await json(res);
    expect(body.status).toBe(400);
    expect(body.errors.map((e: { field: string }) => e.field)).toContain(field);
    expect((await s.control.stats()).calls.initiateFlow).toBe(0);
  });

  it('refuses a body that is not JSON with a 400', async () => {
    const res = await post('{not json');
    expect(res.status).toBe(400);
    expect((await json(res)).detail).toMatch(/JSON/);
  });

  it('refuses a missing or wrong API key with 401 problem+json', async () => {
    const none = await fetch(`${s.baseUrl}/v1/verifications`, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    });
    expect(none.status).toBe(401);
    expect(none.headers.get('content-type')).toContain('application/problem+json');
    const wrong = await post(validBody(), bearer('nope'));
    expect(wrong.status).toBe(401);
    const admin = await fetch(`${s.baseUrl}/v1/verifications/00000000-0000-4000-8000-000000000000`, {
      headers: bearer('test-admin-key'),
    });
    expect(admin.status).toBe(401);
  });

  it('replays the first answer for the same Idempotency-Key and body, and refuses another body with 409', async () => {
    const key = `idem-${Date.now()}`;
    const first = await json(await post(validBody({ userId: 'idem-user' }), { 'idempotency-key': key }));
    const again = await post(validBody({ userId: 'idem-user' }), { 'idempotency-key': key });
    expect(again.status).toBe(201);
    expect(await json(again)).toEqual(first);
    const other = await post(validBody({ userId: 'someone-else' }), { 'idempotency-key': key });
    expect(other.status).toBe(409);
    expect((await json(other)).detail).toMatch(/different request body/);
  });

  it('makes one provider call for eight concurrent requests with one Idempotency-Key', async () => {
    await s.control.setFaults({ endpoints: { initiateFlow: { latencyMs: 300 } } });
    await s.control.resetStats();
    const key = `idem-concurrent-${Date.now()}`;
    const answers = await Promise.all(
      Array.from({ length: 8 }, () =>
        post(validBody({ userId: 'idem-concurrent' }), { 'idempotency-key': key }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(201));
    const ids = new Set(await Promise.all(answers.map(async (a) => (await json(a)).id)));
    expect(ids.size).toBe(1);
    expect((await s.control.stats()).calls.initiateFlow).toBe(1);
  });

  it('does not replay an attempt that failed: the repeat tries again', async () => {
    const key = `idem-fail-${Date.now()}`;
    await s.control.setFaults({ endpoints: { initiateFlow: { errorRate: 1 } } });
    const failed = await post(validBody({ userId: 'idem-fail' }), { 'idempotency-key': key });
    expect(failed.status).toBeGreaterThanOrEqual(502);
    await s.control.resetFaults();
    const retried = await post(validBody({ userId: 'idem-fail' }), { 'idempotency-key': key });
    expect(retried.status).toBe(201);
  });

  it('answers 502 with the provider code and Retry-After when the provider fails with a 5xx, recording both attempts', async () => {
    await s.control.setFaults({ endpoints: { initiateFlow: { errorRate: 1 } } });
    const res = await post(validBody({ userId: 'outage-user' }));
    expect(res.status).toBe(502);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await json(res)).toMatchObject({ status: 502, code: '900' });
    const list = await json(
      await fetch(`${s.baseUrl}/v1/verifications?userId=outage-user`, { headers: bearer(TEST_API_KEY) }),
    );
    // The ambiguous first attempt and its one fresh replacement, both recorded as failed.
    expect(list.data.map((v: { status: string }) => v.status)).toEqual([
      'INITIATION_FAILED',
      'INITIATION_FAILED',
    ]);
  });

  it("lists a user's verifications newest first and 404s an unknown id, 400s a non-UUID id", async () => {
    const a = await json(await post(validBody({ userId: 'lister' })));
    const b = await json(await post(validBody({ userId: 'lister' })));
    const list = await json(
      await fetch(`${s.baseUrl}/v1/verifications?userId=lister&userIdType=USER_ID`, {
        headers: bearer(TEST_API_KEY),
      }),
    );
    expect(list.data.map((v: { id: string }) => v.id)).toEqual([b.id, a.id]);
    const missing = await fetch(`${s.baseUrl}/v1/verifications/00000000-0000-4000-8000-000000000000`, {
      headers: bearer(TEST_API_KEY),
    });
    expect(missing.status).toBe(404);
    const bad = await fetch(`${s.baseUrl}/v1/verifications/not-a-uuid`, { headers: bearer(TEST_API_KEY) });
    expect(bad.status).toBe(400);
    expect((await json(bad)).errors[0].field).toBe('id');
    const noUser = await fetch(`${s.baseUrl}/v1/verifications`, { headers: bearer(TEST_API_KEY) });
    expect(noUser.status).toBe(400);
    const nul = await fetch(`${s.baseUrl}/v1/verifications?userId=lister%00`, {
      headers: bearer(TEST_API_KEY),
    });
    expect(nul.status).toBe(400);
    expect((await json(nul)).errors[0].field).toBe('userId');
  });

  it('shows the result after the provider completes the verification', async () => {
    const created = await json(await post(validBody({ userId: 'completes' })));
    const done = await s.control.complete(created.id, { result: 'INVALID' });
    expect(done.submission.partnerSessionId).toBe(created.id);
    const read = await json(
      await fetch(`${s.baseUrl}/v1/verifications/${created.id}`, { headers: bearer(TEST_API_KEY) }),
    );
    expect(read).toMatchObject({ status: 'COMPLETED', result: 'INVALID' });
    expect(read.verificationResult).toBeTruthy();
    expect(JSON.stringify(read)).not.toMatch(/ktpData|imageUrls|\d{16}/);
  });

  it('keeps no phone number or email in clear in the database', async () => {
    await post(validBody({ userId: 'cleartext', phoneNumber: '6281999888777' }));
    await post(validBody({ userId: 'cleartext', phoneNumber: undefined, email: 'plain.text@example.com' }));
    const ds = s.app.get(DataSource);
    const dump =
      JSON.stringify(await ds.query(`SELECT * FROM submissions`)) +
      JSON.stringify(await ds.query(`SELECT * FROM submission_events`)) +
      JSON.stringify(await ds.query(`SELECT * FROM idempotency_keys`));
    expect(dump).not.toContain('6281999888777');
    expect(dump).not.toContain('plain.text@example.com');
  });
});

describe('POST /v1/verifications when the provider does not answer', () => {
  it('answers 503 with Retry-After on a timeout, after one fresh attempt, and never hangs past the timeouts', async () => {
    const s = await startStack(
      { ONEKYC_TIMEOUT_MS: '300' },
      { faults: { endpoints: { initiateFlow: { timeoutRate: 1 } }, hangMs: 5000 } },
    );
    try {
      const started = Date.now();
      const res = await fetch(`${s.baseUrl}/v1/verifications`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...bearer(TEST_API_KEY) },
        body: JSON.stringify(validBody({ userId: 'timeout-user' })),
      });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(Date.now() - started).toBeLessThan(4000);
      expect((await s.control.stats()).calls.initiateFlow).toBe(2);
    } finally {
      await s.close();
    }
  });

  it('answers 503 at once and writes no row while the circuit breaker is open', async () => {
    const s = await startStack({}, { faults: { endpoints: { initiateFlow: { errorRate: 1 } } } });
    try {
      const post = () =>
        fetch(`${s.baseUrl}/v1/verifications`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...bearer(TEST_API_KEY) },
          body: JSON.stringify(validBody({ userId: 'breaker-user' })),
        });
      let answer = await post();
      for (let i = 0; i < 10 && answer.status === 502; i++) answer = await post(); // 5xx until the breaker opens
      expect(answer.status).toBe(503);
      expect((await json(answer)).kind).toBe('TEMPORARY_CIRCUIT_OPEN');
      const rows = async () =>
        (
          await s.app
            .get(DataSource)
            .query(`SELECT count(*)::int AS n FROM submissions WHERE user_id = 'breaker-user'`)
        )[0].n;
      const before = await rows();
      await s.control.resetStats();
      const again = await post();
      expect(again.status).toBe(503);
      expect(again.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(await rows()).toBe(before);
      expect((await s.control.stats()).calls.initiateFlow).toBe(0);
    } finally {
      await s.close();
    }
  });

  it('answers 503 when the provider refuses connections', async () => {
    const t = await startTestApp({ ONEKYC_API_BASE_URL: 'http://127.0.0.1:9', ONEKYC_TIMEOUT_MS: '500' });
    try {
      const res = await fetch(`${t.baseUrl}/v1/verifications`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...bearer(TEST_API_KEY) },
        body: JSON.stringify(validBody({ userId: 'refused-conn' })),
      });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
      expect((await json(res)).type).toMatch(/provider-unavailable$/);
    } finally {
      await t.close();
    }
  });
});

describe('POST /v1/verifications with the web SDK and provider refusals', () => {
  it('requires redirect URLs and returns a launch URL for WEB_SDK', async () => {
    const s = await startStack({ ONEKYC_SOURCE: 'WEB_SDK' });
    try {
      const post = (body: unknown) =>
        fetch(`${s.baseUrl}/v1/verifications`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...bearer(TEST_API_KEY) },
          body: JSON.stringify(body),
        });
      const missing = await post(validBody());
      expect(missing.status).toBe(400);
      expect((await json(missing)).errors.map((e: { field: string }) => e.field)).toEqual([
        'successRedirectionUrl',
        'failureRedirectionUrl',
      ]);
      const ok = await post(
        validBody({
          successRedirectionUrl: 'https://partner.example/ok',
          failureRedirectionUrl: 'http://localhost:8080/fail',
        }),
      );
      expect(ok.status).toBe(201);
      const body = await json(ok);
      expect(body.launchUrl).toMatch(/^https?:\/\//);
      expect(body.sdkToken).toBeUndefined();
    } finally {
      await s.close();
    }
  });

  it('answers 502 carrying the provider cause when the provider refuses the initiation', async () => {
    const s = await startStack({
      ONEKYC_ONBOARDING_PARTNER: 'SOMEONE_ELSE-SDK-STANDALONE_IDENTITY_VERIFICATION',
    });
    try {
      // The sandbox knows the partner under the test name; the app now sends another one.
      await s.control.resetStats();
      const res = await fetch(`${s.baseUrl}/v1/verifications`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...bearer(TEST_API_KEY) },
        body: JSON.stringify(validBody({ userId: 'refused' })),
      });
      expect(res.status).toBe(502);
      const body = await json(res);
      expect(body.cause).toBe('ONBOARDING_PARTNER_DOES_NOT_BELONG_TO_CLIENT');
      const list = await json(
        await fetch(`${s.baseUrl}/v1/verifications?userId=refused`, { headers: bearer(TEST_API_KEY) }),
      );
      expect(list.data).toHaveLength(1);
      expect(list.data[0].status).toBe('INITIATION_FAILED');
    } finally {
      await s.close();
    }
  });
});
