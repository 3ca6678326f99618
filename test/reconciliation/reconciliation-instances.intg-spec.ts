// Three application instances on ONE database and one provider reconcile 300 lost callbacks at
// the same time: SKIP LOCKED claims and leases make each completed submission fetched exactly
// once, and each applied exactly once.
import { DataSource } from 'typeorm';
import { ReconciliationService } from '../../src/reconciliation/reconciliation.service.js';
import { SubmissionsRepository } from '../../src/submissions/submissions.repository.js';
import type { TestApp } from '../support/app.js';
import type { TestStack } from '../support/stack.js';
import { manyInitiated, startThreeInstances } from './reconciliation-helpers.js';

const LOST = 300;
const env = {
  RECONCILE_ENABLED: 'false',
  RECONCILE_AFTER_SECONDS: '0',
  ONEKYC_MAX_RPS: '50',
  RECONCILE_BATCH_SIZE: '20',
  DATABASE_POOL_SIZE: '6',
};

describe('Reconciliation with three instances on one database', () => {
  let first: TestStack;
  let others: TestApp[] = [];
  let close: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    ({ first, others, close } = await startThreeInstances(env));
  });
  afterAll(async () => {
    await close?.();
  });

  it('should fetch each of 300 lost results exactly once and apply each exactly once', async () => {
    const rows = await manyInitiated(first.app.get(SubmissionsRepository), LOST, 'multi-user');
    await first.control.seed({
      sessions: rows.map((r) => ({ partnerSessionId: r.id, userId: r.userId, userIdType: r.userIdType })),
      returnIds: false,
    });
    await first.control.resetStats();

    const services = [first, ...others].map((a) => a.app.get(ReconciliationService));
    const summaries = await Promise.all(services.map((svc) => svc.runOnce()));

    for (const sm of summaries) expect(sm).toMatchObject({ error: null, failed: 0 });
    expect(summaries.reduce((n, sm) => n + sm!.claimed, 0)).toBe(LOST);
    expect(summaries.reduce((n, sm) => n + sm!.updated, 0)).toBe(LOST);
    expect(summaries.filter((sm) => sm!.claimed > 0).length).toBeGreaterThanOrEqual(2);

    const polls = await first.control.polls();
    expect(polls.total).toBe(LOST);
    expect(rows.filter((r) => polls.bySession[r.id] !== 1)).toEqual([]);

    const ds = first.app.get(DataSource);
    const perRow: { status: string; polls: number; changes: number }[] = await ds.query(
      `SELECT s.status,
              count(*) FILTER (WHERE e.type = 'POLL')::int AS polls,
              count(*) FILTER (WHERE e.type = 'STATUS_CHANGED')::int AS changes
       FROM submissions s JOIN submission_events e ON e.submission_id = s.id
       WHERE s.id = ANY($1::uuid[]) GROUP BY s.id, s.status`,
      [rows.map((r) => r.id)],
    );
    expect(perRow).toHaveLength(LOST);
    expect(perRow.filter((r) => r.status !== 'COMPLETED' || r.polls !== 1 || r.changes !== 1)).toEqual([]);

    const runs: { instance_id: string; claimed: number }[] = await ds.query(
      `SELECT instance_id, claimed FROM job_runs WHERE job = 'reconcile'`,
    );
    expect(new Set(runs.map((r) => r.instance_id)).size).toBe(3);
    console.log(`[instances] claimed per instance: ${summaries.map((sm) => sm!.claimed).join(', ')}`);
  });
});
