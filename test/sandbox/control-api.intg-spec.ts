// The sandbox's control API and its callback faults, against a real HTTP receiver standing in
// for our callback endpoint.
import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { startSandbox } from '../../src/sandbox/sandbox.server.js';
import { SandboxControlClient } from '../../src/sandbox/sandbox-control.client.js';
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

interface Received {
  method: string;
  auth: string | undefined;
  body: any;
}

/** Records every callback; answers `failFirst` requests with 500, the rest with 200. */
async function startReceiver(): Promise<{
  url: string;
  received: Received[];
  failFirst: number;
  close(): Promise<void>;
}> {
  const state = { received: [] as Received[], failFirst: 0 };
  const server: Server = createServer((req: IncomingMessage, res) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      state.received.push({
        method: req.method!,
        auth: req.headers['x-callback-key'] as string,
        body: JSON.parse(data),
      });
      const fail = state.failFirst > 0;
      if (fail) state.failFirst--;
      res.writeHead(fail ? 500 : 200, { 'content-type': 'application/json' }).end('{"received":true}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/callbacks/onekyc`,
    get received() {
      return state.received;
    },
    get failFirst() {
      return state.failFirst;
    },
    set failFirst(n: number) {
      state.failFirst = n;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('sandbox control API', () => {
  let s: TestSandbox;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let token: string;

  beforeAll(async () => {
    receiver = await startReceiver();
    s = await startTestSandbox({
      callbackUrl: receiver.url,
      callbackMethod: 'PUT',
      callbackAuthHeader: 'X-Callback-Key',
      callbackAuthValue: 'cb-secret',
    });
  });
  beforeEach(async () => {
    await s.control.reset();
    receiver.received.length = 0;
    receiver.failFirst = 0;
    token = await partnerToken(s.url);
  });
  afterAll(async () => {
    await s?.close();
    await receiver?.close();
  });

  async function open(sessionId: string, userId = 'user-1'): Promise<void> {
    const res = await fetch(
      `${s.url}/esign-partner/v1/initiate-flow`,
      initiateRequest({ token, headers: { 'x-partner-session-id': sessionId, 'x-partner-user-id': userId } }),
    );
    expect(res.status).toBe(200);
  }

  it('should complete a session and deliver its callback with the configured method and credential', async () => {
    await open('s-1');
    const done = await s.control.complete('s-1', { result: 'VALID' });
    expect(done.delivery).toMatchObject({
      sent: true,
      attempts: [{ ok: true, httpStatus: 200, attempt: 1 }],
    });
    expect(receiver.received).toHaveLength(1);
    const cb = receiver.received[0];
    expect(cb.method).toBe('PUT');
    expect(cb.auth).toBe('cb-secret');
    expect(cb.body).toEqual(done.submission);
    expect(cb.body).toMatchObject({
      partnerSessionId: 's-1',
      userId: 'user-1',
      status: 'COMPLETED',
      result: 'VALID',
    });
    expect(cb.body.submissionDetails.ktpData.nik).toMatch(/^\d{16}$/);
    expect(new Date(cb.body.processedAt).toISOString()).toBe(cb.body.processedAt);
    expect((await s.control.stats()).callbacks).toMatchObject({ delivered: 1, failed: 0, pending: 0 });
  });

  it('should send signing callbacks (callbackType) to the same URL, tied to a session when named', async () => {
    await open('s-1');
    const user = await s.control.signingCallback({ callbackType: 'USER_BASIS', partnerSessionId: 's-1' });
    expect(user.delivery).toMatchObject({ sent: true, attempts: [{ ok: true, callbackType: 'USER_BASIS' }] });
    const doc = await s.control.signingCallback({
      callbackType: 'DOCUMENT_BASIS',
      fields: { status: 'COMPLETED', partnerSessionId: 'elsewhere' },
    });
    expect(receiver.received.map((r) => r.body)).toEqual([user.body, doc.body]);
    expect(receiver.received[0].body).toMatchObject({
      callbackType: 'USER_BASIS',
      partnerSessionId: 's-1',
      userId: 'user-1',
      userIdType: 'USER_ID',
      status: 'SUCCESS',
    });
    expect(receiver.received[1].body).toMatchObject({
      callbackType: 'DOCUMENT_BASIS',
      status: 'COMPLETED',
      partnerSessionId: 'elsewhere',
    });
    expect(typeof receiver.received[1].body.documentId).toBe('string');
    await expect(s.control.signingCallback({ callbackType: 'OTHER' as never })).rejects.toThrow(
      /callbackType/,
    );
  });

  it('should tell where the hosted web flow sends the user back, with status and partner_session_id', async () => {
    const res = await fetch(
      `${s.url}/esign-partner/v1/initiate-flow`,
      initiateRequest({
        token,
        headers: { 'x-partner-session-id': 'web-1' },
        body: {
          flow: 'STANDALONE_IDENTITY_VERIFICATION',
          source: 'WEB_SDK',
          successRedirectionUrl: 'https://partner.example/done?from=kyc',
          failureRedirectionUrl: 'https://partner.example/failed',
          additionalDetails: {
            email: 'someone@example.test',
            dataVerification: { email: { isVerified: true, verificationReferenceId: 'e-1' } },
          },
        },
      }),
    );
    expect(res.status).toBe(200);
    const ok = await s.control.complete('web-1', { deliver: false });
    const okUrl = new URL(ok.redirect!);
    expect(okUrl.origin + okUrl.pathname).toBe('https://partner.example/done');
    expect(Object.fromEntries(okUrl.searchParams)).toEqual({
      from: 'kyc',
      status: 'SUCCESS',
      partner_session_id: 'web-1',
    });
    const ko = await s.control.complete('web-1', {
      deliver: false,
      result: 'INVALID',
      reasonCode: 'NOT_EKTP',
    });
    expect(Object.fromEntries(new URL(ko.redirect!).searchParams)).toEqual({
      status: 'FAILED',
      partner_session_id: 'web-1',
      error_code: 'NOT_EKTP',
    });
  });

  it('should keep one submissionId and one person across PARTIALLY_COMPLETED then COMPLETED', async () => {
    await open('s-1');
    const partial = await s.control.complete('s-1', { status: 'PARTIALLY_COMPLETED' });
    const final = await s.control.complete('s-1', { status: 'COMPLETED', result: 'INVALID' });
    expect(partial.submission.result).toBeUndefined();
    expect(final.submission.submissionId).toBe(partial.submission.submissionId);
    expect(final.submission.submissionDetails!.ktpData).toEqual(
      partial.submission.submissionDetails!.ktpData,
    );
    expect(final.submission.reasonCode).toBe('DUKCAPIL_REJECTED');
    expect(receiver.received.map((r) => r.body.status)).toEqual(['PARTIALLY_COMPLETED', 'COMPLETED']);
  });

  it('should deliver each callback N times when asked for duplicates', async () => {
    await s.control.setFaults({ callbacks: { duplicates: 3 } });
    await open('s-1');
    await s.control.complete('s-1');
    expect(receiver.received).toHaveLength(3);
    expect(new Set(receiver.received.map((r) => JSON.stringify(r.body))).size).toBe(1);
  });

  it('should drop callbacks at the drop rate and count them', async () => {
    await s.control.setFaults({ callbacks: { dropRate: 1 } });
    await open('s-1');
    const done = await s.control.complete('s-1');
    expect(done.delivery).toMatchObject({ sent: false, reason: 'dropped' });
    expect(receiver.received).toHaveLength(0);
    expect((await s.control.stats()).callbacks.dropped).toBe(1);
  });

  it('should deliver a stale PARTIALLY_COMPLETED after the COMPLETED when reordering', async () => {
    await s.control.setFaults({ callbacks: { reorderRate: 1 } });
    await open('s-1');
    await s.control.complete('s-1');
    expect(receiver.received.map((r) => r.body.status)).toEqual(['COMPLETED', 'PARTIALLY_COMPLETED']);
    expect(receiver.received[1].body.submissionId).toBe(receiver.received[0].body.submissionId);
  });

  it('should delay the first delivery', async () => {
    await s.control.setFaults({ callbacks: { delayMs: 300 } });
    await open('s-1');
    const done = await s.control.complete('s-1');
    expect(done.delivery).toMatchObject({ sent: true, reason: 'delayed' });
    expect(receiver.received).toHaveLength(0);
    expect(await s.control.waitForCallbacksIdle(5000)).toBe(true);
    expect(receiver.received).toHaveLength(1);
  });

  it('should retry a failed delivery on the configured schedule, then give up', async () => {
    await s.control.setFaults({ callbacks: { retryScheduleMs: [50, 100] } });
    await open('s-1');
    receiver.failFirst = 2;
    const done = await s.control.complete('s-1');
    expect(done.delivery.attempts[0]).toMatchObject({ ok: false, httpStatus: 500, attempt: 1 });
    expect(await s.control.waitForCallbacksIdle(5000)).toBe(true);
    expect(receiver.received).toHaveLength(3);
    const log = (await s.control.callbacks()).log.map((a) => [a.attempt, a.ok]);
    expect(log).toEqual([
      [1, false],
      [2, false],
      [3, true],
    ]);
    expect((await s.control.stats()).callbacks).toMatchObject({
      delivered: 1,
      failed: 2,
      retried: 2,
      gaveUp: 0,
    });

    receiver.failFirst = 10;
    await open('s-2', 'user-2');
    await s.control.complete('s-2');
    expect(await s.control.waitForCallbacksIdle(5000)).toBe(true);
    expect((await s.control.stats()).callbacks).toMatchObject({ gaveUp: 1 });
  });

  it('should complete a session it never saw when told whose it is, and not deliver when asked not to', async () => {
    const done = await s.control.complete('unknown-session', {
      userId: 'u-9',
      userIdType: 'USER_ID',
      deliver: false,
    });
    expect(done.submission.partnerSessionId).toBe('unknown-session');
    expect(done.delivery.sent).toBe(false);
    expect(receiver.received).toHaveLength(0);
    await expect(s.control.complete('other-unknown')).rejects.toMatchObject({ status: 404 });
  });

  it('should seed 20,000 completed sessions at once without callbacks, answerable by Get Submission Details', async () => {
    const sessions = Array.from({ length: 20_000 }, (_, i) => ({
      partnerSessionId: `bulk-${i}`,
      userId: `bulk-user-${i}`,
      userIdType: 'USER_ID',
    }));
    const seeded = await s.control.seed({ sessions, result: 'VALID', returnIds: false });
    expect(seeded).toEqual({ completed: 20_000 });
    expect(receiver.received).toHaveLength(0);
    const res = await fetch(`${s.url}/esign-partner/v1/submissions`, {
      headers: {
        'x-onekyc-token': token,
        'x-partner-user-id': 'bulk-user-12345',
        'x-partner-user-id-type': 'USER_ID',
        'x-partner-session-id': 'bulk-12345',
      },
    });
    expect(res.status).toBe(200);
    expect((await json(res)).data).toMatchObject({ partnerSessionId: 'bulk-12345', status: 'COMPLETED' });
    expect((await s.control.polls()).bySession).toEqual({ 'bulk-12345': 1 });
  });

  it('should seed every pending initiated session, or generated ones', async () => {
    await open('p-1', 'user-1');
    await open('p-2', 'user-2');
    const pending = await s.control.seed({ pending: true, result: 'INVALID', reasonCode: 'NOT_EKTP' });
    expect(pending.submissions!.map((x) => x.partnerSessionId).sort()).toEqual(['p-1', 'p-2']);
    expect((await s.control.session('p-1'))!.submission).toMatchObject({
      result: 'INVALID',
      reasonCode: 'NOT_EKTP',
    });
    const generated = await s.control.seed({ count: 5 });
    expect(new Set(generated.submissions!.map((x) => x.userId)).size).toBe(5);
  });

  it('should count calls per endpoint and per second, token fetches, and reset them', async () => {
    await open('s-1');
    await open('s-2', 'user-2');
    const stats = await s.control.stats();
    expect(stats.calls).toEqual({ token: 1, initiateFlow: 2, submissions: 0 });
    expect(stats.tokenFetches).toBe(1);
    expect(stats.tokensIssued).toBe(1);
    expect(Object.values(stats.perSecond.all).reduce((a, b) => a + b, 0)).toBe(3);
    expect(stats.responses.initiateFlow).toEqual({ '200': 2 });
    const reset = await s.control.resetStats();
    expect(reset.calls).toEqual({ token: 0, initiateFlow: 0, submissions: 0 });
    expect(await s.control.session('s-1')).toBeDefined(); // data survives a stats reset
  });

  it('should revoke tokens and list them without their values', async () => {
    expect(await s.control.revokeTokens()).toBe(1);
    const tokens = await s.control.tokens();
    expect(tokens).toHaveLength(1);
    expect(tokens[0].revoked).toBe(true);
    expect(JSON.stringify(tokens)).not.toContain(token);
  });

  it('should refuse bad control input with 400 naming the field', async () => {
    await expect(s.control.setFaults({ all: { errorRate: 3 } })).rejects.toMatchObject({ status: 400 });
    await expect(
      s.control.complete('x', { status: 'DONE' as never, userId: 'u', userIdType: 't' }),
    ).rejects.toThrow(/status must be one of/);
    await expect(s.control.updateSettings({ callbackUrl: 'ftp://x' })).rejects.toThrow(/callbackUrl/);
  });
});

describe('sandbox configuration from SANDBOX_* variables and seeds', () => {
  it('should take faults from the environment it is given', async () => {
    const s = await startSandbox({
      clientId: TEST_CLIENT_ID,
      passKey: TEST_PASS_KEY,
      onboardingPartner: TEST_ONBOARDING_PARTNER,
      env: { SANDBOX_TOKEN_ERROR_RATE: '1', SANDBOX_TOKEN_LIFETIME_SECONDS: '90' },
    });
    try {
      const control = new SandboxControlClient(s.url);
      const faults = await control.faults();
      expect(faults.endpoints.token.errorRate).toBe(1);
      expect(faults.tokenLifetimeSeconds).toBe(90);
      const res = await fetch(`${s.url}/v1/esign/partner/authentication`, {
        headers: { 'client-id': TEST_CLIENT_ID, 'pass-key': TEST_PASS_KEY },
      });
      expect(res.status).toBe(500);
      await control.setFaults({ endpoints: { token: { errorRate: 0 } } });
      expect((await partnerToken(s.url)).length).toBeGreaterThan(10);
      await control.resetFaults();
      expect((await control.faults()).endpoints.token.errorRate).toBe(1);
    } finally {
      await s.close();
    }
  });

  it('should refuse to start on a bad SANDBOX_* value, naming it', async () => {
    await expect(
      startSandbox({
        clientId: TEST_CLIENT_ID,
        passKey: TEST_PASS_KEY,
        onboardingPartner: TEST_ONBOARDING_PARTNER,
        env: { SANDBOX_INITIATE_FLOW_THROTTLE_RATE: '1.5' },
      }),
    ).rejects.toThrow(/SANDBOX_INITIATE_FLOW_THROTTLE_RATE/);
  });

  it('should repeat the same faults and data with the same seed', async () => {
    async function run(seed: number): Promise<string[]> {
      const s = await startSandbox({
        clientId: TEST_CLIENT_ID,
        passKey: TEST_PASS_KEY,
        onboardingPartner: TEST_ONBOARDING_PARTNER,
        seed,
        faults: { endpoints: { initiateFlow: { errorRate: 0.3, throttleRate: 0.2 } } },
      });
      try {
        const t = await partnerToken(s.url);
        const outcomes: string[] = [];
        for (let i = 0; i < 30; i++) {
          const res = await fetch(
            `${s.url}/esign-partner/v1/initiate-flow`,
            initiateRequest({ token: t, headers: { 'x-partner-session-id': `s-${i}` } }),
          );
          outcomes.push(String(res.status));
        }
        const seeded = await new SandboxControlClient(s.url).seed({ count: 2 });
        outcomes.push(...seeded.submissions!.map((x) => x.submissionId));
        return outcomes;
      } finally {
        await s.close();
      }
    }
    const a = await run(1234);
    const b = await run(1234);
    expect(a).toEqual(b);
    expect(new Set(a.slice(0, 30))).toEqual(new Set(['200', '429', '500']));
    expect(await run(99)).not.toEqual(a);
  });
});
