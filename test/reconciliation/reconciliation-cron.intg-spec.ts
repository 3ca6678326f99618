// The schedule itself: with RECONCILE_ENABLED the job registered in SchedulerRegistry fires on
// RECONCILE_CRON (here every second) and recovers a lost callback on its own; app.close() stops it.
import { SchedulerRegistry } from '@nestjs/schedule';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { createApp } from '../../src/app.factory.js';
import { buildConfig } from '../../src/config/app-config.js';
import { ReconciliationService } from '../../src/reconciliation/reconciliation.service.js';
import { SubmissionsRepository } from '../../src/submissions/submissions.repository.js';
import { testEnv } from '../support/app.js';
import { createTestDatabase } from '../support/database.js';
import { startStack } from '../support/stack.js';
import { initiatedSubmission, manyInitiated, rowOf } from './reconciliation-helpers.js';

async function until<T>(what: () => Promise<T>, ok: (v: T) => boolean, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await what();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('Reconciliation schedule', () => {
  it('should fire on RECONCILE_CRON, recover a lost callback by itself, and stop on app.close()', async () => {
    const db = await createTestDatabase();
    try {
      const s = await startStack(
        { RECONCILE_ENABLED: 'true', RECONCILE_CRON: '*/1 * * * * *', RECONCILE_AFTER_SECONDS: '0' },
        { db },
      );
      const job = s.app.get(SchedulerRegistry).getCronJob('reconcile');
      let closed = false;
      try {
        expect(job.isActive).toBe(true);
        const ds = s.app.get(DataSource);
        const { id, userId } = await initiatedSubmission(s.app.get(SubmissionsRepository));
        await s.control.complete(id, { deliver: false, userId, userIdType: 'USER_ID' });
        const row = await until(
          () => rowOf(ds, id),
          (r) => r.status === 'COMPLETED',
          8000,
        );
        expect(row.status).toBe('COMPLETED');
        await s.close();
        closed = true;
      } finally {
        if (!closed) await s.close();
      }
      expect(job.isActive).toBe(false);

      // Nothing runs after close: the run count stays put.
      const pg = new Client({ connectionString: db.url });
      await pg.connect();
      try {
        const count = async () =>
          (
            await pg.query(
              `SELECT count(*)::int AS n, bool_and(finished_at IS NOT NULL) AS done FROM job_runs`,
            )
          ).rows[0];
        const atClose = await count();
        expect(atClose.n).toBeGreaterThanOrEqual(1);
        expect(atClose.done).toBe(true);
        await new Promise((r) => setTimeout(r, 2200));
        expect((await count()).n).toBe(atClose.n);
      } finally {
        await pg.end();
      }
    } finally {
      await db.drop();
    }
  });

  it('should finish the calls in flight and hand unpolled claims back when the app closes mid-run', async () => {
    const db = await createTestDatabase();
    try {
      const s = await startStack(
        { RECONCILE_ENABLED: 'false', RECONCILE_AFTER_SECONDS: '0', ONEKYC_MAX_RPS: '5' },
        { db },
      );
      const rows = await manyInitiated(s.app.get(SubmissionsRepository), 30, 'shutdown-user');
      const running = s.app.get(ReconciliationService).runOnce();
      await new Promise((r) => setTimeout(r, 1200));
      const closing = performance.now();
      await s.app.close(); // the app alone: the provider stays up, as it would in production
      const closeMs = performance.now() - closing;
      await s.sandbox.close();
      console.log(`[shutdown] close took ${Math.round(closeMs)} ms`);
      const summary = (await running)!;
      expect(summary.error).toBeNull();
      expect(summary.claimed).toBeGreaterThan(0);
      expect(summary.claimed).toBeLessThan(30);
      expect(closeMs).toBeLessThan(10_000);

      const pg = new Client({ connectionString: db.url });
      await pg.connect();
      try {
        const { rows: state } = await pg.query(
          `SELECT poll_attempts, next_poll_at <= now() AS due FROM submissions WHERE id = ANY($1::uuid[])`,
          [rows.map((r) => r.id)],
        );
        // Every row was either polled, or is due again at once for any instance (no lease left).
        expect(state.filter((r) => r.poll_attempts === 0 && !r.due)).toEqual([]);
        expect(state.filter((r) => r.poll_attempts === 1)).toHaveLength(summary.claimed);
        const { rows: runs } = await pg.query(`SELECT claimed, finished_at FROM job_runs`);
        expect(runs).toMatchObject([{ claimed: summary.claimed, finished_at: expect.any(Date) }]);
      } finally {
        await pg.end();
      }
    } finally {
      await db.drop();
    }
  });

  it('should refuse to start with a cron expression the scheduler cannot parse, naming the variable', async () => {
    const db = await createTestDatabase();
    const config = buildConfig(testEnv({ RECONCILE_ENABLED: 'true', RECONCILE_CRON: '99 99 * * *' }), {
      databaseUrl: db.url,
    });
    const app = await createApp(config);
    try {
      await expect(app.init()).rejects.toThrow(/RECONCILE_CRON/);
    } finally {
      await app.close().catch(() => undefined);
      await db.drop();
    }
  });
});
