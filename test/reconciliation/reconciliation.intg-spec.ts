// Reconciliation against the real sandbox over HTTP and real PostgreSQL. The cron is off
// (RECONCILE_ENABLED=false) and each test calls one run directly, so every step is deterministic;
// RECONCILE_AFTER_SECONDS=0 makes new rows due at once, and SQL moves rows in time where a test
// needs days to pass.
import { randomUUID } from 'node:crypto';
import { SchedulerRegistry } from '@nestjs/schedule';
import { DataSource } from 'typeorm';
import { ReconciliationService } from '../../src/reconciliation/reconciliation.service.js';
import { SubmissionsRepository } from '../../src/submissions/submissions.repository.js';
import { TEST_API_KEY } from '../support/app.js';
import { bearer, json } from '../support/http.js';
import { startStack, TestStack } from '../support/stack.js';
import { eventsOf, initiatedSubmission, makeDue, makeNotDue, rowOf } from './reconciliation-helpers.js';

describe('Reconciliation (real sandbox, real PostgreSQL)', () => {
  let s: TestStack;
  let ds: DataSource;
  let repo: SubmissionsRepository;
  let reconciliation: ReconciliationService;

  beforeAll(async () => {
    s = await startStack({ RECONCILE_ENABLED: 'false', RECONCILE_AFTER_SECONDS: '0' });
    ds = s.app.get(DataSource);
    repo = s.app.get(SubmissionsRepository);
    reconciliation = s.app.get(ReconciliationService);
  });
  afterAll(async () => {
    await s?.close();
  });

  /** One run; rows other tests left due may be polled too, so assertions are per row. */
  async function run() {
    const summary = await reconciliation.runOnce();
    expect(summary).not.toBeNull();
    expect(summary!.error).toBeNull();
    return summary!;
  }

  it('should recover a result whose callback was lost', async () => {
    const res = await fetch(`${s.baseUrl}/v1/verifications`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(TEST_API_KEY) },
      body: JSON.stringify({
        userId: 'recon-lost-callback',
        phoneNumber: '628123450001',
        verification: { isVerified: true, verificationReferenceId: 'otp-1' },
      }),
    });
    expect(res.status).toBe(201);
    const { id } = await json(res);
    await s.control.complete(id, { deliver: false, result: 'INVALID', reasonCode: 'DUKCAPIL_REJECTED' });
    expect((await rowOf(ds, id)).status).toBe('INITIATED');

    const summary = await run();

    const row = (await repo.findById(id))!;
    expect(row).toMatchObject({ status: 'COMPLETED', result: 'INVALID', reasonCode: 'DUKCAPIL_REJECTED' });
    expect(row.providerSubmissionId).toEqual(expect.any(String));
    expect(repo.decryptKtp(row)).toMatchObject({ nik: expect.any(String) });
    expect(repo.decryptImageUrls(row)).toMatchObject({ KTP: expect.any(String) });
    expect(row.nextPollAt).toBeNull();
    expect(row.pollAttempts).toBe(1);
    expect(row.lastPolledAt).not.toBeNull();
    const events = await eventsOf(ds, id);
    expect(events.slice(-2)).toMatchObject([
      { type: 'POLL', source: 'reconciliation', status: 'COMPLETED', detail: { found: true } },
      { type: 'STATUS_CHANGED', source: 'reconciliation' },
    ]);
    expect(events.at(-2)!.payload_enc).toMatch(/^v1:/);
    expect((await s.control.polls()).bySession[id]).toBe(1);

    // The run is recorded for /admin/stats and counted in /metrics.
    expect(summary.claimed).toBeGreaterThanOrEqual(1);
    expect(summary.updated).toBeGreaterThanOrEqual(1);
    expect(summary.claimed).toBe(summary.updated + summary.unchanged + summary.failed);
    const [runRow] = await ds.query(`SELECT * FROM job_runs WHERE id = $1`, [summary.runId]);
    expect(runRow).toMatchObject({
      job: 'reconcile',
      claimed: summary.claimed,
      updated: summary.updated,
      error: null,
    });
    expect(runRow.finished_at).not.toBeNull();
    expect(runRow.duration_ms).toEqual(expect.any(Number));
    expect(runRow.instance_id).toMatch(/-\d+-[0-9a-f]{4}$/);
    const metrics = await (await fetch(`${s.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/onekyc_reconcile_polls_total\{outcome="updated"\} [1-9]/);
    expect(metrics).toMatch(/onekyc_job_runs_total\{job="reconcile",outcome="success"\} [1-9]/);
    expect(metrics).toMatch(/onekyc_oldest_pending_submission_age_seconds \d/);
  });

  it('should never overlap two runs on one instance, and schedule only what is enabled', async () => {
    const [a, b] = await Promise.all([reconciliation.runOnce(), reconciliation.runOnce()]);
    expect([a, b].filter((r) => r === null)).toHaveLength(1);
    const registry = s.app.get(SchedulerRegistry);
    expect(registry.doesExist('cron', 'reconcile')).toBe(false); // RECONCILE_ENABLED=false
    expect(registry.doesExist('cron', 'retention')).toBe(true); // erasing on time is not optional
  });

  it('should keep a user who never captured INITIATED with growing intervals, then expire them', async () => {
    const { id } = await initiatedSubmission(repo);
    const intervals: number[] = [];
    for (let i = 0; i < 4; i++) {
      if (i > 0) await makeDue(ds, [id]);
      await run();
      const r = await rowOf(ds, id);
      expect(r.status).toBe('INITIATED');
      expect(r.poll_attempts).toBe(i + 1);
      intervals.push((r.next_poll_at!.getTime() - r.last_polled_at!.getTime()) / 1000);
    }
    // 30 s, 30 s (first unchanged poll), 60 s, 120 s, each up to 10 % shorter (jitter).
    expect(intervals[0]).toBeGreaterThanOrEqual(27);
    expect(intervals[0]).toBeLessThanOrEqual(30);
    expect(intervals[2]).toBeGreaterThan(intervals[1]);
    expect(intervals[3]).toBeGreaterThan(intervals[2]);
    expect(intervals[3]).toBeGreaterThanOrEqual(108);
    const polls = (await eventsOf(ds, id)).filter((e) => e.type === 'POLL');
    expect(polls).toHaveLength(4);
    for (const p of polls) expect(p).toMatchObject({ source: 'reconciliation', detail: { found: false } });

    // A week later (SUBMISSION_EXPIRE_AFTER_HOURS=168) it expires, without another provider call.
    await ds.query(
      `UPDATE submissions SET created_at = now() - interval '169 hours', next_poll_at = now() + interval '1 hour' WHERE id = $1`,
      [id],
    );
    const before = (await s.control.polls()).bySession[id];
    const summary = await run();
    expect(summary.expired).toBeGreaterThanOrEqual(1);
    const r = await rowOf(ds, id);
    expect(r.status).toBe('EXPIRED');
    expect(r.next_poll_at).toBeNull();
    expect((await s.control.polls()).bySession[id]).toBe(before);
    expect((await eventsOf(ds, id)).slice(-2)).toMatchObject([
      { type: 'EXPIRED', source: 'reconciliation', detail: { reason: 'max_age', expireAfterHours: 168 } },
      { type: 'STATUS_CHANGED', source: 'reconciliation' },
    ]);
  });

  it('should expire a submission once its SDK token has expired', async () => {
    const { id } = await initiatedSubmission(repo, { sdkExpiresAt: new Date(Date.now() - 1000) });
    await run();
    expect((await rowOf(ds, id)).status).toBe('EXPIRED');
    expect((await eventsOf(ds, id)).find((e) => e.type === 'EXPIRED')?.detail).toEqual({
      reason: 'sdk_token_expired',
    });
  });

  it('should schedule the last poll no later than the expiry deadline', async () => {
    const { id } = await initiatedSubmission(repo, { sdkExpiresAt: new Date(Date.now() + 10_000) });
    await run();
    const r = await rowOf(ds, id);
    expect(r.status).toBe('INITIATED');
    expect(r.next_poll_at!.getTime() - r.last_polled_at!.getTime()).toBeLessThanOrEqual(10_500);
    await makeNotDue(ds, [id]);
  });

  it("should apply an answer about another of the user's sessions to that session", async () => {
    const userId = `recon-sibling-${randomUUID().slice(0, 8)}`;
    const older = await initiatedSubmission(repo, { userId });
    const newer = await initiatedSubmission(repo, { userId });
    await makeNotDue(ds, [newer.id]);
    // The user finished capture in the newer session; its callback was lost.
    await s.control.complete(newer.id, { deliver: false, userId, userIdType: 'USER_ID' });

    await run();

    expect(await rowOf(ds, newer.id)).toMatchObject({
      status: 'COMPLETED',
      result: 'VALID',
      next_poll_at: null,
    });
    const newerEvents = await eventsOf(ds, newer.id);
    expect(newerEvents.find((e) => e.type === 'POLL')).toMatchObject({
      source: 'reconciliation',
      detail: { found: true, askedFor: older.id },
    });
    const olderRow = await rowOf(ds, older.id);
    expect(olderRow).toMatchObject({ status: 'INITIATED', poll_attempts: 1 });
    expect(olderRow.next_poll_at).not.toBeNull(); // left to expire, still polled on its schedule
    expect((await eventsOf(ds, older.id)).at(-1)).toMatchObject({
      type: 'POLL',
      detail: { found: true, belongsTo: newer.id, status: 'COMPLETED' },
      payload_enc: null,
    });
    const polls = await s.control.polls();
    expect(polls.bySession[older.id]).toBe(1);
    expect(polls.bySession[newer.id]).toBeUndefined();
  });

  it('should record, and not apply, an answer about a session that is not ours', async () => {
    for (const foreignId of [randomUUID(), 'legacy-session-42']) {
      const mine = await initiatedSubmission(repo);
      await s.control.complete(foreignId, { deliver: false, userId: mine.userId, userIdType: 'USER_ID' });
      await run();
      const r = await rowOf(ds, mine.id);
      expect(r).toMatchObject({ status: 'INITIATED', result: null, poll_attempts: 1 });
      const last = (await eventsOf(ds, mine.id)).at(-1)!;
      expect(last).toMatchObject({
        type: 'POLL',
        source: 'reconciliation',
        status: null,
        detail: { found: true, foreignPartnerSessionId: foreignId, reason: 'unknown_session' },
        payload_enc: null,
      });
      expect(JSON.stringify(last.detail)).not.toMatch(/nik|name|address/i);
      await makeNotDue(ds, [mine.id]);
    }
  });

  it('should fail an initiation that never finished, and leave one in flight alone', async () => {
    const stuck = randomUUID();
    const inFlight = randomUUID();
    for (const id of [stuck, inFlight]) {
      await repo.createForInitiation({
        id,
        userId: `recon-stuck-${id.slice(0, 8)}`,
        userIdType: 'USER_ID',
        contacts: { email: 'stuck@example.com' },
        source: 'SDK',
        userLocale: 'id_ID',
      });
    }
    await ds.query(`UPDATE submissions SET created_at = now() - interval '1 hour' WHERE id = $1`, [stuck]);

    const summary = await run();

    expect(summary.initiationFailed).toBeGreaterThanOrEqual(1);
    expect(await rowOf(ds, stuck)).toMatchObject({ status: 'INITIATION_FAILED', next_poll_at: null });
    expect((await eventsOf(ds, stuck)).slice(-2)).toMatchObject([
      {
        type: 'INITIATION_FAILED',
        source: 'reconciliation',
        detail: { reason: 'initiation_never_finished' },
      },
      { type: 'STATUS_CHANGED', source: 'reconciliation' },
    ]);
    expect((await repo.findById(stuck))!.initiationError).toMatchObject({ kind: 'INTERRUPTED' });
    // The in-flight one is neither failed nor polled (nobody holds an SDK token for it yet).
    expect(await rowOf(ds, inFlight)).toMatchObject({ status: 'INITIATED', poll_attempts: 0 });
    const polls = await s.control.polls();
    expect(polls.bySession[stuck]).toBeUndefined();
    expect(polls.bySession[inFlight]).toBeUndefined();
    await ds.query(`UPDATE submissions SET created_at = now() - interval '1 minute' WHERE id = $1`, [
      inFlight,
    ]);
  });

  it('should reconcile one submission on demand, due or not', async () => {
    expect(await reconciliation.reconcileOne(randomUUID())).toBeNull();
    expect(await reconciliation.reconcileOne('not-a-uuid')).toBeNull();

    const { id, userId } = await initiatedSubmission(repo);
    await makeNotDue(ds, [id]);
    await s.control.complete(id, { deliver: false, userId, userIdType: 'USER_ID', status: 'IN_PROGRESS' });
    const progressed = await reconciliation.reconcileOne(id);
    expect(progressed).toMatchObject({ id, status: 'IN_PROGRESS', pollAttempts: 1 });
    // Progress starts the schedule over: next poll RECONCILE_AFTER_SECONDS (min 30 s) from now.
    const wait = (progressed!.nextPollAt!.getTime() - progressed!.lastPolledAt!.getTime()) / 1000;
    expect(wait).toBeGreaterThanOrEqual(27);
    expect(wait).toBeLessThanOrEqual(30);

    await s.control.complete(id, { deliver: false, status: 'COMPLETED', result: 'VALID' });
    const done = await reconciliation.reconcileOne(id);
    expect(done).toMatchObject({
      id,
      status: 'COMPLETED',
      result: 'VALID',
      pollAttempts: 2,
      nextPollAt: null,
    });
    expect((await eventsOf(ds, id)).filter((e) => e.type === 'POLL')).toMatchObject([
      { source: 'admin', status: 'IN_PROGRESS' },
      { source: 'admin', status: 'COMPLETED' },
    ]);
    // Terminal rows can still be checked: the answer is recorded as a duplicate, nothing moves.
    expect(await reconciliation.reconcileOne(id)).toMatchObject({ status: 'COMPLETED', pollAttempts: 3 });
  });

  it('should back off after provider failures and record them on the timeline', async () => {
    const { id } = await initiatedSubmission(repo);
    await s.control.setFaults({ endpoints: { submissions: { errorRate: 1 } } });
    try {
      const summary = await run();
      expect(summary.failed).toBeGreaterThanOrEqual(1);
    } finally {
      await s.control.resetFaults();
    }
    const r = await rowOf(ds, id);
    expect(r).toMatchObject({ status: 'INITIATED', poll_attempts: 1 });
    expect(r.next_poll_at!.getTime()).toBeGreaterThan(Date.now() + 20_000);
    expect((await eventsOf(ds, id)).at(-1)).toMatchObject({
      type: 'POLL',
      source: 'reconciliation',
      detail: { error: { kind: 'TEMPORARY_SERVER_ERROR', code: '900' } },
    });
  });
});
