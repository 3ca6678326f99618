// What a partner's engineer meets first when a request is not right yet: an empty body is one
// clear problem listing what to send, a missing field is one error (not one per rule), and a
// national phone number (08…) is accepted and normalised to 62…. Real app, sandbox, PostgreSQL.
import { TEST_ADMIN_KEY, TEST_API_KEY } from '../support/app.js';
import { bearer, json } from '../support/http.js';
import { startStack, TestStack } from '../support/stack.js';

describe('first errors on POST /v1/verifications', () => {
  let s: TestStack;
  const post = (
    body: string | undefined,
    headers: Record<string, string> = { 'content-type': 'application/json' },
  ) =>
    fetch(`${s.baseUrl}/v1/verifications`, {
      method: 'POST',
      headers: { ...bearer(TEST_API_KEY), ...headers },
      body,
    });

  beforeAll(async () => {
    s = await startStack();
  });
  afterAll(async () => {
    await s?.close();
  });

  it.each([
    ['an empty JSON object', '{}', { 'content-type': 'application/json' }],
    ['JSON null', 'null', { 'content-type': 'application/json' }],
    ['no body and no content type', undefined, {}],
  ])('answers %s with one problem that lists the fields to send, once each', async (_what, body, headers) => {
    const res = await post(body, headers);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const problem = await json(res);
    expect(problem.detail).toBe(
      'The request body is empty: send a JSON object with phoneNumber, verification',
    );
    // userId is not listed: an end-user token supplies it (a partner key without it is refused next).
    expect(problem.errors).toEqual([
      { field: 'phoneNumber', message: 'phoneNumber or email is required' },
      { field: 'verification', message: 'verification is required' },
    ]);
  });

  it('reports a missing field once, not once per rule it would also break', async () => {
    const res = await post(JSON.stringify({ userId: 'first-errors-missing', phoneNumber: '628123456789' }));
    expect(res.status).toBe(400);
    expect((await json(res)).errors).toEqual([
      { field: 'verification', message: 'verification is required' },
    ]);
  });

  it.each([
    ['08123456789', '628123456789'],
    ['+628123456789', '628123456789'],
  ])('accepts the phone number %s and stores it as %s', async (given, stored) => {
    const res = await post(
      JSON.stringify({
        userId: `first-errors-${given}`,
        phoneNumber: given,
        verification: { isVerified: true, verificationReferenceId: 'otp-national' },
      }),
    );
    expect(res.status).toBe(201);
    const { id } = await json(res);
    const detail = await json(
      await fetch(`${s.baseUrl}/admin/submissions/${id}?reveal=true`, { headers: bearer(TEST_ADMIN_KEY) }),
    );
    expect(detail.phoneNumber).toBe(stored);
  });

  it('still refuses a number that is neither national nor 62…, with a hint', async () => {
    const res = await post(
      JSON.stringify({
        userId: 'first-errors-bad-phone',
        phoneNumber: '8123456789',
        verification: { isVerified: true, verificationReferenceId: 'otp' },
      }),
    );
    expect(res.status).toBe(400);
    expect((await json(res)).errors).toEqual([
      {
        field: 'phoneNumber',
        message: 'phoneNumber must be 62 followed by 9 to 13 digits (a national 08… number is accepted too)',
      },
    ]);
  });
});
