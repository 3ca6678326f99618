// Scenario 1, crash under load: 500 submissions initiated, then completed by provider callbacks at
// high concurrency (48 at once) against the built service; `kill -9` mid-stream; restart. Every
// callback answered 200 before the kill must be in the database right after it (checked with the
// service dead, so nothing else can have applied it); the ones refused during the outage arrive
// by the sandbox's redelivery or by reconciliation; in the end every submission is COMPLETED with
// the result the provider gave and every row is explained by its timeline.
import { setTimeout as sleep } from 'node:timers/promises';
import { createDatabase, dumpTables, sharedAdminUrl, withClient } from './support/postgres.js';
import { SandboxProcess, ServiceProcess } from './support/processes.js';
import { countBy, fmtCounts, mapLimit, waitUntil } from './support/http.js';
import { Recorder } from './support/results.js';
import { explainAll } from './support/timeline.js';
import { initiate, syntheticKtp } from './support/traffic.js';

const TOTAL = 500;
const INITIATE_CONCURRENCY = 16;
const CONCURRENCY = 48;
const KILL_AFTER_ACKS = 200;

interface Completion {
  id: string;
  result: 'VALID' | 'INVALID';
  firstStatus: number;
  /** The sandbox dropped this callback (never sent). */
  dropped: boolean;
  at: number;
}

describe('scenario 1: crash under load', () => {
  const rec = new Recorder('1-crash-under-load', '1. Crash under load');
  let sandbox: SandboxProcess;
  let service: ServiceProcess;
  let dbUrl: string;

  beforeAll(async () => {
    dbUrl = await createDatabase(sharedAdminUrl(), 'rel_crash');
    sandbox = await SandboxProcess.start('crash', {
      // The provider retries a callback that got no 2xx: 0.5 s, 1 s, 2 s, 4 s, then gives up.
      SANDBOX_CALLBACK_RETRY_SCHEDULE_MS: '500,1000,2000,4000',
      // 4 % of callbacks are never sent: only reconciliation can find those.
      SANDBOX_CALLBACK_DROP_RATE: '0.04',
    });
    service = await ServiceProcess.start('crash', {
      databaseUrl: dbUrl,
      providerUrl: sandbox.url,
      tokenUrl: sandbox.tokenUrl,
      env: { RECONCILE_ENABLED: 'true', RECONCILE_CRON: '*/2 * * * * *', RECONCILE_AFTER_SECONDS: '20' },
    });
    await sandbox.control.updateSettings({ callbackUrl: `${service.baseUrl}/v1/callbacks/onekyc` });
  });

  afterAll(async () => {
    await service?.stop();
    await sandbox?.stop();
    if (dbUrl) await dumpTables(dbUrl, 'crash').catch(() => undefined);
  });

  it('should apply every callback it acknowledged before a kill -9, and settle every other one after the restart', async () => {
    const completions: Completion[] = [];
    const initiationFailures: Record<string, number> = {};
    let paused = false;
    let inFlight = 0;
    let next = 0;
    let killedAt = 0;

    // Phase 1: the 500 submissions (before any fault).
    const ids: string[] = [];
    await mapLimit(Array.from({ length: TOTAL }), INITIATE_CONCURRENCY, async () => {
      const a = await initiate(service.baseUrl, 'crash', 20_000);
      if (a.id) ids.push(a.id);
      else
        initiationFailures[a.error ?? String(a.status)] =
          (initiationFailures[a.error ?? String(a.status)] ?? 0) + 1;
    });
    expect(ids).toHaveLength(TOTAL);

    // Phase 2: their results arrive by callback, 48 at once; the service is killed mid-stream.
    const worker = async () => {
      for (;;) {
        while (paused) await sleep(20);
        const n = next++;
        if (n >= TOTAL) return;
        const id = ids[n];
        const result = n % 3 === 0 ? 'INVALID' : 'VALID';
        inFlight++;
        try {
          const res = await sandbox.control.complete(id, { result, ktpData: syntheticKtp(n) });
          completions.push({
            id,
            result,
            firstStatus: res.delivery.attempts[0]?.httpStatus ?? 0,
            dropped: !res.delivery.sent,
            at: Date.now(),
          });
        } finally {
          inFlight--;
        }
      }
    };

    const killer = (async () => {
      await waitUntil(
        async () => completions.filter((c) => c.firstStatus === 200).length >= KILL_AFTER_ACKS,
        300_000,
        10,
      );
      await service.kill9();
      killedAt = Date.now();
    })();
    const workers = Promise.all(Array.from({ length: CONCURRENCY }, worker));

    await killer;
    // With the service dead: let the completions in flight come back, then read the database.
    paused = true;
    await waitUntil(async () => inFlight === 0, 30_000, 10);
    const ackedBeforeKill = completions.filter((c) => c.firstStatus === 200);
    const refusedAtKill = completions.filter((c) => c.firstStatus !== 200 && !c.dropped);
    const missingAfterKill = await withClient(dbUrl, async (c) => {
      const rows = (
        await c.query(`SELECT id, status, result FROM submissions WHERE id = ANY($1)`, [
          ackedBeforeKill.map((a) => a.id),
        ])
      ).rows as { id: string; status: string; result: string }[];
      const byId = new Map(rows.map((r) => [r.id, r]));
      return ackedBeforeKill.filter(
        (a) => byId.get(a.id)?.status !== 'COMPLETED' || byId.get(a.id)?.result !== a.result,
      );
    });

    const restartMs = await service.launch();
    paused = false;
    await workers;

    // Settle: redeliveries, then reconciliation for dropped callbacks and exhausted retries.
    const idle = await sandbox.control.waitForCallbacksIdle(60_000);
    const all = completions;
    const settled = await waitUntil(
      () =>
        withClient(dbUrl, async (c) => {
          const n = (
            await c.query(
              `SELECT count(*)::int AS n FROM submissions WHERE id = ANY($1) AND status = 'COMPLETED'`,
              [all.map((x) => x.id)],
            )
          ).rows[0].n;
          return n === all.length ? n : undefined;
        }),
      120_000,
      1000,
    );
    const stats = await sandbox.control.stats();
    const polls = await sandbox.control.polls();

    const final = await withClient(dbUrl, async (c) => {
      const rows = (
        await c.query(`SELECT id, status, result FROM submissions WHERE id = ANY($1)`, [all.map((x) => x.id)])
      ).rows as {
        id: string;
        status: string;
        result: string | null;
      }[];
      const byId = new Map(rows.map((r) => [r.id, r]));
      const wrong = all.filter(
        (x) => byId.get(x.id)?.status !== 'COMPLETED' || byId.get(x.id)?.result !== x.result,
      );
      const timeline = await explainAll(c);
      return { wrong, timeline };
    });

    rec.set({
      load: `${TOTAL} submissions initiated (${INITIATE_CONCURRENCY} at once), then completed by callback, ${CONCURRENCY} at once`,
      faults: `kill -9 after ${KILL_AFTER_ACKS} acknowledged callbacks, then restart; 4 % of callbacks never sent; provider retries 0.5/1/2/4 s`,
      inputs: TOTAL * 2 + Object.values(initiationFailures).reduce((a, b) => a + b, 0),
      acknowledged: TOTAL + stats.callbacks.delivered,
      lost: missingAfterKill.length + final.wrong.length,
    });
    rec.figure('callbacks acknowledged (200) before the kill', ackedBeforeKill.length);
    rec.figure('of those, not in the database right after the kill', missingAfterKill.length);
    rec.figure('first delivery refused or cut by the crash (sandbox retried)', refusedAtKill.length);
    rec.figure('restart to ready (ms)', restartMs);
    rec.figure('initiations not answered 201 (before the crash)', fmtCounts(initiationFailures) || 'none');
    rec.figure(
      'sandbox: callbacks delivered / failed attempts / retried / gave up / dropped',
      `${stats.callbacks.delivered} / ${stats.callbacks.failed} / ${stats.callbacks.retried} / ${stats.callbacks.gaveUp} / ${stats.callbacks.dropped}`,
    );
    rec.figure('completed by (source of the applied observation)', fmtCounts(final.timeline.completedBy));
    rec.figure('provider polls by reconciliation', polls.total);
    rec.figure(
      'submissions COMPLETED with the provider result',
      `${all.length - final.wrong.length} / ${all.length}`,
    );
    rec.figure(
      'rows checked against their timeline / unexplained',
      `${final.timeline.checked} / ${final.timeline.problems.length}`,
    );
    rec.figure('double transitions', final.timeline.doubleTransitions);
    rec.figure('statuses', fmtCounts(final.timeline.byStatus));
    rec.figure(
      'first-attempt callback statuses',
      fmtCounts(countBy(all, (c) => (c.dropped ? 'dropped' : c.firstStatus))),
    );
    rec.figure('killed after (ms from start)', killedAt ? killedAt - (all[0]?.at ?? killedAt) : 'never');

    rec.check(missingAfterKill.length === 0, `${missingAfterKill.length} acknowledged callbacks not applied`);
    rec.check(final.wrong.length === 0, `${final.wrong.length} submissions not COMPLETED with their result`);
    rec.check(final.timeline.problems.length === 0, final.timeline.problems.slice(0, 3).join('; '));

    expect(killedAt).toBeGreaterThan(0);
    expect(ackedBeforeKill.length).toBeGreaterThanOrEqual(KILL_AFTER_ACKS);
    expect(missingAfterKill).toEqual([]);
    expect(idle).toBe(true);
    expect(settled).toBe(TOTAL);
    expect(final.wrong).toEqual([]);
    expect(final.timeline.problems.slice(0, 10)).toEqual([]);
    expect(final.timeline.doubleTransitions).toBe(0);
  });
});
