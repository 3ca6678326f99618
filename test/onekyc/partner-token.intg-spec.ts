// The partner token against the sandbox: one fetch for many callers, one refresh after a
// revocation, never a 401 loop, refreshed before it expires, failures typed and counted, and
// nothing secret in the logs.
import { OneKycErrorKind, OneKycException } from '../../src/onekyc/onekyc.exception.js';
import { TOKEN_FETCHES } from '../../src/onekyc/onekyc.metrics.js';
import type { GetSubmissionDetailsInput } from '../../src/onekyc/onekyc.types.js';
import { startTestSandbox, TEST_CLIENT_ID, TEST_PASS_KEY, TestSandbox } from '../sandbox/sandbox-harness.js';
import { buildClient, capturingLogger, metricValue } from './client-harness.js';

const HIGH_BUDGET = { ONEKYC_MAX_RPS: '10000' };
const user = (n: number): GetSubmissionDetailsInput => ({
  partnerSessionId: `tok-session-${n}`,
  userId: `tok-user-${n}`,
  userIdType: 'USER_ID',
});

describe('partner token (PartnerTokenCache + OneKycClient) against the sandbox', () => {
  let s: TestSandbox;
  beforeAll(async () => {
    s = await startTestSandbox();
  });
  beforeEach(async () => {
    await s.control.reset();
  });
  afterAll(async () => {
    await s?.close();
  });

  it('should make exactly one token fetch for 500 concurrent callers', async () => {
    const t = await buildClient(s.url, HIGH_BUDGET);
    try {
      const results = await Promise.all(
        Array.from({ length: 500 }, (_, i) => t.client.getSubmissionDetails(user(i))),
      );
      expect(results.every((r) => r === null)).toBe(true);
      const stats = await s.control.stats();
      expect(stats.tokenFetches).toBe(1);
      expect(stats.calls.submissions).toBe(500);
    } finally {
      await t.close();
    }
  });

  it('should refresh exactly once when the provider revokes the token under concurrent load', async () => {
    const t = await buildClient(s.url, HIGH_BUDGET);
    try {
      await t.client.getSubmissionDetails(user(0));
      expect(await s.control.revokeTokens()).toBe(1);
      const results = await Promise.all(
        Array.from({ length: 100 }, (_, i) => t.client.getSubmissionDetails(user(i))),
      );
      expect(results).toHaveLength(100);
      const stats = await s.control.stats();
      expect(stats.tokenFetches).toBe(2);
      expect(stats.responses.submissions['401']).toBe(100);
      expect(stats.responses.submissions['404']).toBe(101);
    } finally {
      await t.close();
    }
  });

  it('should retry a 401 once with a fresh token and then give up, never loop', async () => {
    // Tokens from one sandbox, API calls to another that never knew them: every call is a 401.
    const stranger = await startTestSandbox();
    const t = await buildClient(stranger.url, { ONEKYC_TOKEN_BASE_URL: s.url });
    try {
      const err = await t.client.getSubmissionDetails(user(1)).catch((e) => e);
      expect(err).toBeInstanceOf(OneKycException);
      expect(err).toMatchObject({
        kind: OneKycErrorKind.UNAUTHORIZED,
        operation: 'getSubmissionDetails',
        code: '110',
      });
      expect((await s.control.stats()).tokenFetches).toBe(2);
      expect((await stranger.control.stats()).calls.submissions).toBe(2);
    } finally {
      await t.close();
      await stranger.close();
    }
  });

  it('should refresh the token before it expires, so no call ever meets an expired token', async () => {
    await s.control.setFaults({ tokenLifetimeSeconds: 3 });
    const t = await buildClient(s.url);
    try {
      const until = Date.now() + 4500;
      let calls = 0;
      while (Date.now() < until) {
        expect(await t.client.getSubmissionDetails(user(1))).toBeNull();
        calls++;
        await new Promise((r) => setTimeout(r, 150));
      }
      const stats = await s.control.stats();
      expect(stats.responses.submissions).toEqual({ '404': calls });
      const tokens = await s.control.tokens();
      expect(tokens.length).toBeGreaterThanOrEqual(2);
      expect(tokens.length).toBeLessThanOrEqual(7); // half-life refreshes, not a fetch per call
      for (let i = 1; i < tokens.length; i++) {
        expect(Date.parse(tokens[i].issuedAt)).toBeLessThan(Date.parse(tokens[i - 1].expiresAt));
      }
    } finally {
      await t.close();
    }
  });

  it('should type and count token fetch failures, and keep secrets out of the logs', async () => {
    const logger = capturingLogger();
    await s.control.setFaults({ endpoints: { token: { errorRate: 1 } } });
    const t = await buildClient(s.url, {}, { retry: { maxRetries: 1, baseMs: 5, maxMs: 10 } }, logger);
    try {
      const before = await metricValue(TOKEN_FETCHES, { outcome: 'TEMPORARY_SERVER_ERROR' });
      const err = await t.client.getSubmissionDetails(user(1)).catch((e) => e);
      expect(err).toMatchObject({ kind: OneKycErrorKind.TEMPORARY_SERVER_ERROR, operation: 'token' });
      expect(await metricValue(TOKEN_FETCHES, { outcome: 'TEMPORARY_SERVER_ERROR' })).toBe(before + 1);
      expect((await s.control.stats()).calls.token).toBe(2); // one fetch, retried once

      await s.control.resetFaults();
      const ok = await metricValue(TOKEN_FETCHES, { outcome: 'success' });
      const token = await t.tokens.getToken();
      expect(await metricValue(TOKEN_FETCHES, { outcome: 'success' })).toBe(ok + 1);
      await s.control.revokeTokens();
      await t.client.getSubmissionDetails(user(1));

      expect(logger.lines.join('\n')).toContain('partner token fetch failed');
      for (const secret of [token, TEST_PASS_KEY, TEST_CLIENT_ID]) {
        expect(logger.lines.join('\n')).not.toContain(secret);
      }
    } finally {
      await t.close();
    }
  });
});
