// The provider sandbox delivers real callbacks (real HTTP, its own client, its faults) to the
// real app: the whole path a production callback takes, from initiation to a read.
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { SubmissionsRepository } from '../../src/submissions/submissions.repository.js';
import { TEST_API_KEY } from '../support/app.js';
import { bearer, json } from '../support/http.js';
import { startStack, TestStack } from '../support/stack.js';

describe('callbacks delivered by the provider sandbox (real app, real sandbox, real PostgreSQL)', () => {
  let s: TestStack;
  let repo: SubmissionsRepository;

  beforeAll(async () => {
    s = await startStack();
    repo = s.app.get(SubmissionsRepository);
  });
  afterAll(async () => {
    await s?.close();
  });
  beforeEach(async () => {
    await s.control.resetFaults();
    await s.control.updateSettings({ callbackMethod: 'POST' });
  });

  async function initiate(userId: string): Promise<string> {
    const res = await fetch(`${s.baseUrl}/v1/verifications`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(TEST_API_KEY) },
      body: JSON.stringify({
        userId,
        phoneNumber: '6281200000002',
        verification: { isVerified: true, verificationReferenceId: 'otp-synthetic' },
      }),
    });
    expect(res.status).toBe(201);
    return (await json(res)).id;
  }

  const read = async (id: string) =>
    json(await fetch(`${s.baseUrl}/v1/verifications/${id}`, { headers: bearer(TEST_API_KEY) }));

  it('should land the result the sandbox calls back with, visible to the partner right after the 200', async () => {
    const id = await initiate('user-sandbox-1');
    const done = await s.control.complete(id, { status: 'COMPLETED', result: 'VALID' });
    expect(done.delivery.attempts.map((a) => a.httpStatus)).toEqual([200]);

    expect(await read(id)).toMatchObject({ id, status: 'COMPLETED', result: 'VALID' });
    const stored = (await repo.findById(id))!;
    expect(stored.providerSubmissionId).toBe(done.submission.submissionId);
    expect(repo.decryptKtp(stored)).toMatchObject({ nik: done.submission.submissionDetails!.ktpData!.nik });
    expect(stored.imageUrlsReceivedAt).toBeInstanceOf(Date);
  });

  it('should apply once what the sandbox delivers three times, followed by a stale partial result', async () => {
    await s.control.setFaults({ callbacks: { duplicates: 3, reorderRate: 1 } });
    const id = await initiate('user-sandbox-2');
    const done = await s.control.complete(id, { status: 'COMPLETED', result: 'INVALID' });
    expect(done.delivery.attempts.map((a) => [a.status, a.httpStatus])).toEqual([
      ['COMPLETED', 200],
      ['COMPLETED', 200],
      ['COMPLETED', 200],
      ['PARTIALLY_COMPLETED', 200],
      ['PARTIALLY_COMPLETED', 200],
      ['PARTIALLY_COMPLETED', 200],
    ]);
    expect(await read(id)).toMatchObject({ status: 'COMPLETED', result: 'INVALID' });
    const events = await repo.findEvents(id);
    expect(events.filter((e) => e.type === 'STATUS_CHANGED').map((e) => e.toStatus)).toEqual(['COMPLETED']);
    const callbacks = events.filter((e) => e.type === 'CALLBACK');
    expect(callbacks.map((e) => [e.status, e.duplicate, e.stale])).toEqual([
      ['COMPLETED', false, false],
      ['COMPLETED', true, false],
      ['COMPLETED', true, false],
      ['PARTIALLY_COMPLETED', false, true],
      ['PARTIALLY_COMPLETED', false, true],
      ['PARTIALLY_COMPLETED', false, true],
    ]);
  });

  it('should take the callback with the method the partner registered (PUT, PATCH)', async () => {
    for (const method of ['PUT', 'PATCH'] as const) {
      await s.control.updateSettings({ callbackMethod: method });
      const id = await initiate(`user-sandbox-${method}`);
      const done = await s.control.complete(id, { status: 'ERROR' });
      expect(done.delivery.attempts.map((a) => a.httpStatus)).toEqual([200]);
      expect(await read(id)).toMatchObject({ status: 'ERROR' });
    }
  });

  it('should quarantine a result for a session it never issued, answering 200 so the provider stops', async () => {
    const stranger = randomUUID();
    const done = await s.control.complete(stranger, { userId: 'someone-else', userIdType: 'USER_ID' });
    expect(done.delivery.attempts.map((a) => a.httpStatus)).toEqual([200]);
    expect(await repo.findById(stranger)).toBeNull();
    const rows = await s.app
      .get(DataSource)
      .query(`SELECT status FROM unmatched_callbacks WHERE partner_session_id = $1`, [stranger]);
    expect(rows).toEqual([{ status: 'COMPLETED' }]);
  });

  it('should refuse a sandbox holding the wrong credential, which then retries', async () => {
    await s.control.setFaults({ callbacks: { retryScheduleMs: [20] } });
    await s.control.updateSettings({ callbackAuthValue: 'Bearer not-the-secret' });
    try {
      const id = await initiate('user-sandbox-wrong-key');
      const done = await s.control.complete(id);
      expect(done.delivery.attempts.map((a) => a.httpStatus)).toEqual([401]);
      expect(await s.control.waitForCallbacksIdle(5000)).toBe(true);
      const log = (await s.control.callbacks()).log.filter((a) => a.partnerSessionId === id);
      expect(log.map((a) => [a.attempt, a.httpStatus])).toEqual([
        [1, 401],
        [2, 401],
      ]);
      expect(await read(id)).toMatchObject({ status: 'INITIATED' });
    } finally {
      await s.control.updateSettings({ callbackAuthValue: s.config.callback.authValues[0] });
    }
  });
});
