// The call budget under a backlog: reconciliation drains 100 due submissions at the background
// share of ONEKYC_MAX_RPS, never above the limit as the provider counts it (per second, all
// endpoints), while partner initiations made during the drain still go through at once.
import { DataSource } from 'typeorm';
import { OneKycClient } from '../../src/onekyc/onekyc.client.js';
import { ReconciliationService } from '../../src/reconciliation/reconciliation.service.js';
import { SubmissionsRepository } from '../../src/submissions/submissions.repository.js';
import { TEST_API_KEY } from '../support/app.js';
import { bearer } from '../support/http.js';
import { startStack, TestStack } from '../support/stack.js';
import { manyInitiated } from './reconciliation-helpers.js';

const MAX_RPS = 20;
const BACKLOG = 100;

describe('Reconciliation call budget (real sandbox, real PostgreSQL)', () => {
  let s: TestStack;

  beforeAll(async () => {
    s = await startStack({
      RECONCILE_ENABLED: 'false',
      RECONCILE_AFTER_SECONDS: '0',
      ONEKYC_MAX_RPS: String(MAX_RPS),
    });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('should share one provider client, so one rate limit, with partner initiations', () => {
    // Both modules import OneKycModule: Nest must hold exactly one client (one limiter) for both.
    expect(s.app.get(OneKycClient, { strict: false, each: true })).toHaveLength(1);
  });

  it('should drain a backlog within ONEKYC_MAX_RPS and leave partner initiations headroom', async () => {
    const repo = s.app.get(SubmissionsRepository);
    const rows = await manyInitiated(repo, BACKLOG, 'budget-user');
    await s.control.seed({
      sessions: rows.map((r) => ({ partnerSessionId: r.id, userId: r.userId, userIdType: r.userIdType })),
      returnIds: false,
    });
    await s.control.resetStats();

    const started = performance.now();
    const running = s.app.get(ReconciliationService).runOnce();
    // Partner initiations during the drain: each must be answered promptly, not queued behind it.
    const initiations: number[] = [];
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, 700));
      const t0 = performance.now();
      const res = await fetch(`${s.baseUrl}/v1/verifications`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...bearer(TEST_API_KEY) },
        body: JSON.stringify({
          userId: `budget-partner-${i}`,
          phoneNumber: '628123450002',
          verification: { isVerified: true, verificationReferenceId: 'otp' },
        }),
      });
      expect(res.status).toBe(201);
      initiations.push(performance.now() - t0);
    }
    const summary = (await running)!;
    const seconds = (performance.now() - started) / 1000;

    // The partner initiations made meanwhile are due too (RECONCILE_AFTER_SECONDS=0): polled, not found.
    expect(summary).toMatchObject({ updated: BACKLOG, failed: 0, error: null });
    expect(summary.claimed).toBeGreaterThanOrEqual(BACKLOG);
    expect(summary.claimed).toBeLessThanOrEqual(BACKLOG + 5);
    const stats = await s.control.stats();
    expect(stats.maxPerSecond.submissions).toBeLessThanOrEqual(MAX_RPS);
    expect(stats.maxPerSecond.all).toBeLessThanOrEqual(MAX_RPS);
    // Background calls get 70 % of the budget (14/s here): the drain uses it, and no more.
    const drainRate = BACKLOG / seconds;
    expect(drainRate).toBeGreaterThan(8);
    expect(drainRate).toBeLessThan(MAX_RPS);
    expect(Math.max(...initiations)).toBeLessThan(1500);
    console.log(
      `[budget] ${BACKLOG} polls in ${seconds.toFixed(1)} s = ${drainRate.toFixed(1)}/s; ` +
        `max per second: submissions ${stats.maxPerSecond.submissions}, all ${stats.maxPerSecond.all} ` +
        `(ONEKYC_MAX_RPS=${MAX_RPS}); partner initiations during the drain: ` +
        `${initiations.map((ms) => Math.round(ms)).join(', ')} ms`,
    );

    const ds = s.app.get(DataSource);
    const [{ n }] = await ds.query(
      `SELECT count(*)::int AS n FROM submissions WHERE status = 'COMPLETED' AND id = ANY($1::uuid[])`,
      [rows.map((r) => r.id)],
    );
    expect(n).toBe(BACKLOG);
    const polls = await s.control.polls();
    expect(rows.every((r) => polls.bySession[r.id] === 1)).toBe(true);
  });
});
