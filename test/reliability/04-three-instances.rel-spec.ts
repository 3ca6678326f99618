// Scenario 4, three instances on one database: three service processes (started together, so their
// migrations race for the advisory lock) behind a round-robin balancer for callbacks, initiations
// spread over all three, reconciliation running on all three every second. A third of the
// submissions complete by callback with every callback delivered twice and often followed by a
// stale PARTIALLY_COMPLETED, a third also get the same callback sent to all three instances at the
// same instant, and a third complete without any callback (reconciliation must fetch them). No
// submission may change status twice, and each one reconciliation completes is fetched once.
import { readFileSync } from 'node:fs';
import { createDatabase, dumpTables, sharedAdminUrl, withClient } from './support/postgres.js';
import { SandboxProcess, ServiceProcess } from './support/processes.js';
import { countBy, fmtCounts, mapLimit, waitUntil } from './support/http.js';
import { Recorder } from './support/results.js';
import { explainAll } from './support/timeline.js';
import {
  initiate,
  postCallback,
  recordSandboxPii,
  startRoundRobin,
  syntheticKtp,
} from './support/traffic.js';

const TOTAL = 300;

describe('scenario 4: three instances on one database', () => {
  const rec = new Recorder('4-three-instances', '4. Three instances, one database');
  let sandbox: SandboxProcess;
  let services: ServiceProcess[] = [];
  let balancer: Awaited<ReturnType<typeof startRoundRobin>>;
  let dbUrl: string;

  beforeAll(async () => {
    dbUrl = await createDatabase(sharedAdminUrl(), 'rel_instances');
    sandbox = await SandboxProcess.start('instances', {
      SANDBOX_CALLBACK_DUPLICATES: '2',
      SANDBOX_CALLBACK_REORDER_RATE: '0.3',
      SANDBOX_CALLBACK_RETRY_SCHEDULE_MS: '500,1000,2000',
    });
    services = await Promise.all(
      ['a', 'b', 'c'].map((name) =>
        ServiceProcess.start(`instance-${name}`, {
          databaseUrl: dbUrl,
          providerUrl: sandbox.url,
          tokenUrl: sandbox.tokenUrl,
          env: { RECONCILE_ENABLED: 'true', RECONCILE_CRON: '* * * * * *', RECONCILE_AFTER_SECONDS: '6' },
        }),
      ),
    );
    balancer = await startRoundRobin(services.map((s) => s.baseUrl));
    await sandbox.control.updateSettings({ callbackUrl: `${balancer.url}/v1/callbacks/onekyc` });
  });

  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
    await sandbox?.stop();
    await balancer?.close();
    if (dbUrl) await dumpTables(dbUrl, 'instances').catch(() => undefined);
  });

  it('should never transition a submission twice and fetch each reconciled one once', async () => {
    const groups: Record<'callback' | 'simultaneous' | 'reconcile', string[]> = {
      callback: [],
      simultaneous: [],
      reconcile: [],
    };
    const simultaneousAnswers: number[] = [];
    const failures: Record<string, number> = {};
    await mapLimit(
      Array.from({ length: TOTAL }, (_, i) => i),
      15,
      async (n) => {
        const service = services[n % 3];
        const a = await initiate(service.baseUrl, 'instances');
        if (!a.id) {
          failures[a.error ?? String(a.status)] = (failures[a.error ?? String(a.status)] ?? 0) + 1;
          return;
        }
        const group = (['callback', 'simultaneous', 'reconcile'] as const)[n % 3];
        groups[group].push(a.id);
        const result = n % 2 === 0 ? 'VALID' : 'INVALID';
        const done = await sandbox.control.complete(a.id, {
          result,
          ktpData: syntheticKtp(100_000 + n),
          deliver: group !== 'reconcile',
          wait: group !== 'simultaneous',
        });
        if (group === 'simultaneous') {
          // The same callback to all three instances at once, while the sandbox delivers its two copies.
          const answers = await Promise.all(services.map((s) => postCallback(s.baseUrl, done.submission)));
          simultaneousAnswers.push(...answers.map((x) => x.status));
        }
      },
    );
    const all = [...groups.callback, ...groups.simultaneous, ...groups.reconcile];

    const idle = await sandbox.control.waitForCallbacksIdle(60_000);
    const settled = await waitUntil(
      () =>
        withClient(dbUrl, async (c) => {
          const n = (
            await c.query(
              `SELECT count(*)::int AS n FROM submissions WHERE id = ANY($1) AND status = 'COMPLETED'`,
              [all],
            )
          ).rows[0].n;
          return n === all.length ? n : undefined;
        }),
      90_000,
      1000,
    );
    const polls = await sandbox.control.polls();
    const stats = await sandbox.control.stats();
    await recordSandboxPii(sandbox.control, groups.reconcile.slice(0, 30));

    const db = await withClient(dbUrl, async (c) => {
      const timeline = await explainAll(c);
      const pollEvents = (
        await c.query(
          `SELECT submission_id, count(*)::int AS n FROM submission_events WHERE type = 'POLL' GROUP BY submission_id`,
        )
      ).rows as { submission_id: string; n: number }[];
      const runs = (
        await c.query(
          `SELECT instance_id, count(*)::int AS n, sum(claimed)::int AS claimed FROM job_runs WHERE job = 'reconcile' GROUP BY instance_id`,
        )
      ).rows as { instance_id: string; n: number; claimed: number }[];
      const callbacks = (
        await c.query(
          `SELECT count(*) FILTER (WHERE NOT duplicate AND NOT stale)::int AS applied, count(*) FILTER (WHERE duplicate)::int AS dup,
                  count(*) FILTER (WHERE stale)::int AS stale FROM submission_events WHERE type = 'CALLBACK'`,
        )
      ).rows[0] as { applied: number; dup: number; stale: number };
      const migrations = (await c.query(`SELECT count(*)::int AS n FROM typeorm_migrations`)).rows[0]
        .n as number;
      return {
        timeline,
        pollEvents: new Map(pollEvents.map((p) => [p.submission_id, p.n])),
        runs,
        callbacks,
        migrations,
      };
    });
    const fetchedNotOnce = groups.reconcile.filter(
      (id) => polls.bySession[id] !== 1 || db.pollEvents.get(id) !== 1,
    );
    const callbackPolled = [...groups.callback, ...groups.simultaneous].filter(
      (id) => (polls.bySession[id] ?? 0) > 0,
    );
    const errorLines = services.map(
      (s) =>
        readFileSync(s.proc.logFile, 'utf8')
          .split('\n')
          .filter((l) => l.includes('"level":50')).length,
    );

    rec.set({
      load: `${TOTAL} submissions over 3 instances (15 at once); callbacks through a round-robin balancer; reconciliation every second on each instance`,
      faults:
        'every callback delivered twice, 30 % followed by a stale PARTIALLY_COMPLETED; a third of the callbacks also sent to all 3 instances at the same instant; a third never called back',
      inputs: TOTAL + stats.callbacks.attempts + simultaneousAnswers.length,
      acknowledged:
        all.length + stats.callbacks.delivered + simultaneousAnswers.filter((s) => s === 200).length,
      lost: all.length - (settled ?? 0),
    });
    rec.figure('submissions COMPLETED', `${settled ?? 0} / ${all.length}`);
    rec.figure('double transitions (same status twice)', db.timeline.doubleTransitions);
    rec.figure(
      'rows checked against their timeline / unexplained',
      `${db.timeline.checked} / ${db.timeline.problems.length}`,
    );
    rec.figure('completed by', fmtCounts(db.timeline.completedBy));
    rec.figure(
      'callback events applied / duplicate / stale',
      `${db.callbacks.applied} / ${db.callbacks.dup} / ${db.callbacks.stale}`,
    );
    rec.figure(
      'simultaneous deliveries to 3 instances: answers',
      fmtCounts(countBy(simultaneousAnswers, (s) => s)),
    );
    rec.figure(
      'reconciled submissions fetched exactly once (provider polls and POLL events)',
      `${groups.reconcile.length - fetchedNotOnce.length} / ${groups.reconcile.length}`,
    );
    rec.figure('callback-completed submissions polled at all', callbackPolled.length);
    rec.figure('callbacks through the balancer per instance', balancer.sent.join(' / '));
    rec.figure(
      'reconcile runs per instance (claimed rows)',
      db.runs.map((r) => `${r.n} (${r.claimed})`).join(' / '),
    );
    rec.figure('migrations applied (3 instances started together)', db.migrations);
    rec.figure('error log lines per instance', errorLines.join(' / '));
    rec.figure('initiation failures', fmtCounts(failures) || 'none');

    rec.check(db.timeline.doubleTransitions === 0, `${db.timeline.doubleTransitions} double transitions`);
    rec.check(db.timeline.problems.length === 0, db.timeline.problems.slice(0, 3).join('; '));
    rec.check(
      fetchedNotOnce.length === 0,
      `${fetchedNotOnce.length} reconciled submissions not fetched exactly once`,
    );
    rec.check(settled === all.length, 'not every submission completed');

    expect(Object.keys(failures)).toEqual([]);
    expect(idle).toBe(true);
    expect(settled).toBe(TOTAL);
    expect(db.timeline.doubleTransitions).toBe(0);
    expect(db.timeline.problems.slice(0, 10)).toEqual([]);
    expect(simultaneousAnswers.every((s) => s === 200)).toBe(true);
    expect(
      fetchedNotOnce
        .map((id) => `${id}: ${polls.bySession[id] ?? 0} polls, ${db.pollEvents.get(id) ?? 0} events`)
        .slice(0, 5),
    ).toEqual([]);
    expect(callbackPolled).toEqual([]);
    expect(db.runs.length).toBeGreaterThanOrEqual(2);
    expect(errorLines).toEqual([0, 0, 0]);
  });
});
