// Circuit breaker and per-instance rate limit of the client, observed at the sandbox.
import { OneKycErrorKind, OneKycException } from '../../src/onekyc/onekyc.exception.js';
import { BREAKER_STATE } from '../../src/onekyc/onekyc.metrics.js';
import type { GetSubmissionDetailsInput, InitiateFlowInput } from '../../src/onekyc/onekyc.types.js';
import { startTestSandbox, TestSandbox } from '../sandbox/sandbox-harness.js';
import { buildClient, metricValue } from './client-harness.js';

const poll: GetSubmissionDetailsInput = {
  partnerSessionId: 'r-session',
  userId: 'r-user',
  userIdType: 'USER_ID',
};
let n = 0;
const initiation = (): InitiateFlowInput => ({
  partnerSessionId: `r-init-${++n}-${Date.now()}`,
  userId: 'r-initiator',
  userIdType: 'USER_ID',
  email: 'someone@example.com',
  verification: { isVerified: true, verificationReferenceId: 'ref' },
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function kindOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    if (err instanceof OneKycException) return err.kind;
    throw err;
  }
}

describe('OneKycClient resilience against the sandbox', () => {
  let s: TestSandbox;
  beforeAll(async () => {
    s = await startTestSandbox();
  });
  beforeEach(async () => {
    await s.control.reset();
    await s.control.complete(poll.partnerSessionId, {
      userId: poll.userId,
      userIdType: poll.userIdType,
      deliver: false,
    });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('should open the breaker after consecutive failures, fail fast, probe half-open, and recover', async () => {
    const t = await buildClient(
      s.url,
      {},
      {
        retry: { maxRetries: 0 },
        breaker: { consecutiveFailures: 3, halfOpenAfterMs: 400 },
      },
    );
    try {
      await t.tokens.getToken(); // the token host has its own breaker; keep it out of this story
      await s.control.setFaults({ endpoints: { submissions: { errorRate: 1 } } });
      for (let i = 0; i < 3; i++) {
        expect(await kindOf(t.client.getSubmissionDetails(poll))).toBe(
          OneKycErrorKind.TEMPORARY_SERVER_ERROR,
        );
      }
      expect(await metricValue(BREAKER_STATE, { host: 'api' })).toBe(1);

      // Open: nothing reaches the provider, for any API call.
      const open = await t.client.initiateFlow(initiation()).catch((e) => e);
      expect(open).toMatchObject({ kind: OneKycErrorKind.TEMPORARY_CIRCUIT_OPEN, ambiguous: false });
      expect(open.retryAfterSeconds).toBeGreaterThanOrEqual(1);
      expect(await kindOf(t.client.getSubmissionDetails(poll))).toBe(OneKycErrorKind.TEMPORARY_CIRCUIT_OPEN);
      expect((await s.control.stats()).calls).toMatchObject({ submissions: 3, initiateFlow: 0 });

      // Half-open probe while the provider is still down: one call goes through, fails, reopens.
      await sleep(450);
      expect(await kindOf(t.client.getSubmissionDetails(poll))).toBe(OneKycErrorKind.TEMPORARY_SERVER_ERROR);
      expect(await kindOf(t.client.getSubmissionDetails(poll))).toBe(OneKycErrorKind.TEMPORARY_CIRCUIT_OPEN);
      expect((await s.control.stats()).calls.submissions).toBe(4);

      // Provider back: the next probe succeeds and closes the breaker.
      await s.control.resetFaults();
      await sleep(450);
      expect((await t.client.getSubmissionDetails(poll))!.partnerSessionId).toBe(poll.partnerSessionId);
      expect(await metricValue(BREAKER_STATE, { host: 'api' })).toBe(0);
      expect(await kindOf(t.client.initiateFlow(initiation()))).toBe('ok');
    } finally {
      await t.close();
    }
  });

  it('should not let provider refusals (4xx) or throttling open the breaker', async () => {
    const t = await buildClient(s.url, {}, { retry: { maxRetries: 0 }, breaker: { consecutiveFailures: 2 } });
    try {
      const other = { ...poll, userId: 'someone-else' };
      for (let i = 0; i < 4; i++) {
        expect(await kindOf(t.client.getSubmissionDetails(other))).toBe(OneKycErrorKind.SUBMISSION_NOT_OWNED);
      }
      await s.control.setFaults({ endpoints: { submissions: { throttleRate: 1 } } });
      for (let i = 0; i < 3; i++) {
        expect(await kindOf(t.client.getSubmissionDetails(poll))).toBe(OneKycErrorKind.TEMPORARY_THROTTLED);
      }
      await s.control.resetFaults();
      expect(await kindOf(t.client.getSubmissionDetails(poll))).toBe('ok');
    } finally {
      await t.close();
    }
  });

  it('should never exceed ONEKYC_MAX_RPS calls in any second at the provider', async () => {
    const t = await buildClient(s.url, { ONEKYC_MAX_RPS: '10' }, { rateLimit: { maxWaitMs: 20_000 } });
    try {
      await s.control.resetStats();
      const results = await Promise.all(
        Array.from({ length: 35 }, () => t.client.getSubmissionDetails(poll)),
      );
      expect(results.every((r) => r?.partnerSessionId === poll.partnerSessionId)).toBe(true);
      const stats = await s.control.stats();
      expect(stats.calls).toMatchObject({ token: 1, submissions: 35 });
      expect(stats.maxPerSecond.all).toBeLessThanOrEqual(10);
      expect(Object.keys(stats.perSecond.all).length).toBeGreaterThanOrEqual(4);
    } finally {
      await t.close();
    }
  });

  /** 10 calls/s, 70% of them for background work while partners are active. */
  const sharedBudgetClient = () =>
    buildClient(s.url, { ONEKYC_MAX_RPS: '10' }, { rateLimit: { maxWaitMs: 20_000, backgroundShare: 0.7 } });

  it('should let background polls use the whole budget after a token fetch alone (not partner traffic)', async () => {
    const t = await sharedBudgetClient();
    try {
      await s.control.resetStats();
      // The first poll fetches the token; no partner call anywhere.
      await Promise.all(
        Array.from({ length: 20 }, () => t.client.getSubmissionDetails(poll, { priority: 'background' })),
      );
      const stats = await s.control.stats();
      expect(stats.calls).toMatchObject({ token: 1, submissions: 20 });
      // Nine polls beside the token fetch in the first second, not the 70% share (7).
      expect(stats.maxPerSecond.submissions).toBeGreaterThanOrEqual(9);
      expect(stats.maxPerSecond.all).toBeLessThanOrEqual(10);
    } finally {
      await t.close();
    }
  });

  it('should keep headroom for initiations while background polls fill their share', async () => {
    const t = await sharedBudgetClient();
    try {
      // A partner is active (an initiation just went out; the token fetch alone does not count).
      await t.client.initiateFlow(initiation());
      await s.control.resetStats();
      let backgroundDone = 0;
      const background = Array.from({ length: 21 }, () =>
        t.client.getSubmissionDetails(poll, { priority: 'background' }).then(() => backgroundDone++),
      );
      await sleep(50);
      const doneWhenInitiated: number[] = [];
      const initiations = Array.from({ length: 3 }, () =>
        t.client.initiateFlow(initiation()).then(() => doneWhenInitiated.push(backgroundDone)),
      );
      await Promise.all([...background, ...initiations]);
      // The initiations did not queue behind the backlog: they went out in its first second.
      expect(Math.max(...doneWhenInitiated)).toBeLessThanOrEqual(7);
      const stats = await s.control.stats();
      expect(stats.maxPerSecond.submissions).toBeLessThanOrEqual(7);
      expect(stats.calls).toMatchObject({ submissions: 21, initiateFlow: 3 });
    } finally {
      await t.close();
    }
  });

  it('should fail with TEMPORARY_RATE_LIMITED, without calling the provider, when no slot comes in time', async () => {
    const t = await buildClient(s.url, { ONEKYC_MAX_RPS: '1' }, { rateLimit: { maxWaitMs: 150 } });
    try {
      await t.tokens.getToken(); // uses this second's only slot
      await s.control.resetStats();
      const kinds = await Promise.all([
        kindOf(t.client.getSubmissionDetails(poll)),
        kindOf(t.client.initiateFlow(initiation())),
      ]);
      expect(kinds).toEqual([OneKycErrorKind.TEMPORARY_RATE_LIMITED, OneKycErrorKind.TEMPORARY_RATE_LIMITED]);
      expect((await s.control.stats()).calls).toEqual({ token: 0, initiateFlow: 0, submissions: 0 });
    } finally {
      await t.close();
    }
  });
});
