// The figures the console's overview draws, as GET /admin/stats answers them on a real database:
// verifications per UTC day over 14 days (empty days as zeros), outcomes, time to result, the most
// frequent reason codes and webhook deliveries by state.
import { DataSource } from 'typeorm';
import { SubmissionsRepository } from '../../src/submissions/submissions.repository.js';
import { ADMIN, seedSubmission } from '../admin/admin-fixtures.js';
import { startTestApp, TestApp } from '../support/app.js';
import { json } from '../support/http.js';

describe('GET /admin/stats: the figures of the console overview', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers per-day counts, outcomes and time to result, reason codes and delivery counts', async () => {
    const repo = t.app.get(SubmissionsRepository);
    const ds = t.app.get(DataSource);
    const twoDaysAgo = new Date(Date.now() - 2 * 86400_000);
    const seed = async (o: Parameters<typeof seedSubmission>[2], tookSeconds?: number, reason?: string) => {
      const id = await seedSubmission(repo, ds, o);
      // Test-only: place the outcome in time (no flow moves created_at or completed_at).
      if (tookSeconds !== undefined) {
        await ds.query(
          `UPDATE submissions SET completed_at = created_at + make_interval(secs => $2), reason_code = $3 WHERE id = $1`,
          [id, tookSeconds, reason ?? null],
        );
      }
      return id;
    };
    await seed({ status: 'COMPLETED', result: 'VALID', createdAt: twoDaysAgo.toISOString() }, 100);
    await seed(
      { status: 'COMPLETED', result: 'INVALID', createdAt: twoDaysAgo.toISOString() },
      300,
      'DUKCAPIL_REJECTED',
    );
    await seed({ status: 'ERROR' });
    await seed({ status: 'INITIATED' });
    await seed({ status: 'COMPLETED', createdAt: new Date(Date.now() - 20 * 86400_000).toISOString() }, 50);

    const res = await fetch(`${t.baseUrl}/admin/stats`, { headers: ADMIN });
    expect(res.status).toBe(200);
    const stats = await json(res);
    expect(stats.perDay).toHaveLength(14);
    const today = new Date().toISOString().slice(0, 10);
    expect(stats.perDay[13].date).toBe(today);
    expect(stats.perDay[13]).toMatchObject({ created: 2, valid: 0, failed: 1, medianSecondsToResult: null });
    const day = stats.perDay.find((d: { date: string }) => d.date === twoDaysAgo.toISOString().slice(0, 10));
    expect(day).toEqual({
      date: twoDaysAgo.toISOString().slice(0, 10),
      created: 2,
      valid: 1,
      invalid: 1,
      rejected: 0,
      failed: 0,
      medianSecondsToResult: 200,
      p90SecondsToResult: 280,
    });
    // The 20-day-old one is outside the window; the empty days are there as zeros.
    expect(stats.perDay.reduce((n: number, d: { created: number }) => n + d.created, 0)).toBe(4);
    expect(stats.perDay[0]).toMatchObject({ created: 0, medianSecondsToResult: null });
    expect(stats.reasonCodes).toEqual([{ reasonCode: 'DUKCAPIL_REJECTED', count: 1 }]);
    expect(stats.webhookDeliveries).toEqual({ pending: 0, retrying: 0, succeeded: 0, failed: 0 });
    expect(stats.total).toBe(5);
  });
});
