import { TEST_ADMIN_KEY, TEST_API_KEY } from '../support/app.js';
import { bearer, json } from '../support/http.js';
import { startStack, TestStack } from '../support/stack.js';

describe('POST /admin/submissions/:id/reconcile (real app, real sandbox)', () => {
  let s: TestStack;
  beforeAll(async () => {
    s = await startStack();
  });
  afterAll(async () => {
    await s?.close();
  });

  async function initiate(userId: string): Promise<string> {
    const res = await fetch(`${s.baseUrl}/v1/verifications`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(TEST_API_KEY) },
      body: JSON.stringify({
        userId,
        phoneNumber: '628123450000',
        verification: { isVerified: true, verificationReferenceId: 'r' },
      }),
    });
    expect(res.status).toBe(201);
    return (await json(res)).id;
  }
  const reconcile = (id: string, key = TEST_ADMIN_KEY) =>
    fetch(`${s.baseUrl}/admin/submissions/${id}/reconcile`, { method: 'POST', headers: bearer(key) });

  it('polls the provider now and returns the updated, masked submission with the poll on its timeline', async () => {
    const id = await initiate('forced-1');
    await s.control.complete(id, { result: 'VALID', deliver: false }); // the callback is lost
    const res = await reconcile(id);
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body).toMatchObject({ id, status: 'COMPLETED', result: 'VALID', revealed: false });
    expect(body.nik).toMatch(/^\d{4}\*{8}\d{4}$/);
    expect(body.events.map((e: { type: string }) => e.type)).toEqual(
      expect.arrayContaining(['POLL', 'STATUS_CHANGED']),
    );
    expect(body.events.find((e: { type: string }) => e.type === 'POLL').source).toBe('admin');
    expect((await s.control.polls()).bySession[id]).toBe(1);
  });

  it('leaves a submission the user has not finished as it is, recording the poll', async () => {
    const id = await initiate('forced-2');
    const body = await json(await reconcile(id));
    expect(body.status).toBe('INITIATED');
    expect(body.pollAttempts).toBeGreaterThanOrEqual(1);
  });

  it('answers 404 for an unknown id, 400 for a non-UUID and 401 for a partner key', async () => {
    expect((await reconcile('00000000-0000-4000-8000-000000000000')).status).toBe(404);
    const bad = await reconcile('nope');
    expect(bad.status).toBe(400);
    expect((await json(bad)).errors[0].field).toBe('id');
    expect((await reconcile('00000000-0000-4000-8000-000000000000', TEST_API_KEY)).status).toBe(401);
  });
});
