// Scenario 2, database outage: PostgreSQL (the suite's own embedded server) is stopped for 10 s
// while partner initiations, reads, provider callbacks and health probes keep coming. Requests must
// fail fast with 503 problem+json (no hang, no 500, no crash), /health/ready must say so, the
// service must recover by itself within 5 s of the database's return, and nothing it acknowledged
// (201, callback 200) may be missing afterwards; callbacks refused meanwhile arrive by redelivery.
import { setTimeout as sleep } from 'node:timers/promises';
import { EmbeddedServer, createDatabase, dumpTables, withClient } from './support/postgres.js';
import { SandboxProcess, ServiceProcess } from './support/processes.js';
import { Answer, countBy, fmtCounts, isProblem, loop, percentile, send } from './support/http.js';
import { Recorder } from './support/results.js';
import { explainAll } from './support/timeline.js';
import { initiate, partner, recordSandboxPii } from './support/traffic.js';

const OUTAGE_MS = 10_000;
/** A request during the outage must be answered within this (the pool's connect timeout is 3 s). */
const FAIL_FAST_MS = 5_000;
const RECOVERY_BUDGET_MS = 5_000;

type Phase = 'before' | 'stopping' | 'down' | 'starting' | 'after';

interface Sample extends Answer {
  kind: 'initiate' | 'read' | 'callback' | 'ready' | 'live';
  phase: Phase;
  endPhase: Phase;
}

describe('scenario 2: database outage', () => {
  const rec = new Recorder('2-database-outage', '2. Database outage');
  let pg: EmbeddedServer;
  let sandbox: SandboxProcess;
  let service: ServiceProcess;
  let dbUrl: string;
  const samples: Sample[] = [];
  const created: string[] = [];
  const completedInSandbox: string[] = [];
  let phase: Phase = 'before';
  let returnedAt = 0;
  let recoveredAt = 0;

  beforeAll(async () => {
    pg = await EmbeddedServer.start('outage');
    dbUrl = await createDatabase(pg.adminUrl, 'rel_outage');
    sandbox = await SandboxProcess.start('outage', {
      SANDBOX_CALLBACK_RETRY_SCHEDULE_MS: '1000,2000,3000,5000,8000,10000',
    });
    service = await ServiceProcess.start('outage', {
      databaseUrl: dbUrl,
      providerUrl: sandbox.url,
      tokenUrl: sandbox.tokenUrl,
      env: { RECONCILE_ENABLED: 'true', RECONCILE_CRON: '*/5 * * * * *', RECONCILE_AFTER_SECONDS: '600' },
    });
    await sandbox.control.updateSettings({ callbackUrl: `${service.baseUrl}/v1/callbacks/onekyc` });
  });

  afterAll(async () => {
    await service?.stop();
    await sandbox?.stop();
    if (pg && !pg.running) await pg.startAgain().catch(() => undefined);
    if (pg?.running) await dumpTables(dbUrl, 'outage').catch(() => undefined);
    if (pg?.running) await pg.stopServer();
  });

  it('should answer 503 fast while the database is down, recover within 5 s of its return, and lose nothing acknowledged', async () => {
    let stop = false;
    const record = (kind: Sample['kind'], startPhase: Phase, a: Answer) => {
      samples.push({ ...a, kind, phase: startPhase, endPhase: phase });
    };
    const pending = new Set<string>();
    // A backlog of sessions waiting for their result, so callbacks keep coming through the outage.
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        for (let i = 0; i < 20; i++) {
          const a = await initiate(service.baseUrl, 'outage');
          if (a.id) {
            created.push(a.id);
            pending.add(a.id);
          }
        }
      }),
    );
    const traffic = Promise.all([
      loop(
        6,
        () => stop,
        async () => {
          const p = phase;
          const a = await initiate(service.baseUrl, 'outage', 20_000);
          record('initiate', p, a);
          if (a.id) {
            created.push(a.id);
            pending.add(a.id);
          }
        },
        25,
      ),
      loop(
        2,
        () => stop,
        async () => {
          const id = created[Math.floor(Math.random() * created.length)];
          if (!id) return void (await sleep(20));
          const p = phase;
          record(
            'read',
            p,
            await send('GET', `${service.baseUrl}/v1/verifications/${id}`, {
              headers: partner,
              timeoutMs: 20_000,
            }),
          );
        },
      ),
      loop(
        2,
        () => stop,
        async () => {
          const id = pending.values().next().value;
          if (!id) return void (await sleep(20));
          pending.delete(id);
          const p = phase;
          const t0 = Date.now();
          const res = await sandbox.control.complete(id, { result: 'VALID' });
          completedInSandbox.push(id);
          const first = res.delivery.attempts[0];
          const status = first?.httpStatus ?? 0;
          samples.push({
            kind: 'callback',
            phase: p,
            endPhase: phase,
            status,
            ms: Date.now() - t0,
            body: '',
            headers: new Headers(),
            error: first?.error,
            startedAt: t0,
          });
        },
        150,
      ),
      loop(
        1,
        () => stop,
        async () => {
          const p = phase;
          record('ready', p, await send('GET', `${service.baseUrl}/health/ready`, { timeoutMs: 10_000 }));
          record('live', p, await send('GET', `${service.baseUrl}/health/live`, { timeoutMs: 10_000 }));
        },
        100,
      ),
    ]);

    await sleep(5_000);
    phase = 'stopping';
    await pg.stopServer();
    phase = 'down';
    const downAt = Date.now();
    await sleep(OUTAGE_MS);
    phase = 'starting';
    await pg.startAgain();
    returnedAt = Date.now();
    phase = 'after';
    rec.figure('database down (ms)', returnedAt - downAt);
    // Recovered: the first moment /health/ready and a new initiation both succeed again.
    for (;;) {
      const ready = samples.some((s) => s.kind === 'ready' && s.status === 200 && s.startedAt >= returnedAt);
      const init = samples.some(
        (s) => s.kind === 'initiate' && s.status === 201 && s.startedAt >= returnedAt,
      );
      if (ready && init) {
        recoveredAt = Math.max(
          ...['ready', 'initiate'].map((k) =>
            Math.min(
              ...samples
                .filter(
                  (s) => s.kind === k && s.startedAt >= returnedAt && (s.status === 200 || s.status === 201),
                )
                .map((s) => s.startedAt + s.ms),
            ),
          ),
        );
        break;
      }
      if (Date.now() - returnedAt > 30_000) break;
      await sleep(50);
    }
    await sleep(6_000);
    stop = true;
    await traffic;

    // Settle: the sandbox redelivers what was refused; then every completion must be applied.
    const idle = await sandbox.control.waitForCallbacksIdle(60_000);
    await recordSandboxPii(sandbox.control, completedInSandbox.slice(0, 50));

    const during = samples.filter((s) => s.phase === 'down' && s.endPhase === 'down');
    const api = samples.filter((s) => s.kind === 'initiate' || s.kind === 'read');
    const duringApi = during.filter((s) => s.kind === 'initiate' || s.kind === 'read');
    const notProblem503 = duringApi.filter(
      (s) => s.status !== 503 || !isProblem(s) || !s.headers.get('retry-after'),
    );
    const err500 = samples.filter((s) => s.status >= 500 && s.status !== 503 && s.kind !== 'ready');
    const hung = samples.filter((s) => s.status === 0);
    const slowDuring = during.filter((s) => s.kind !== 'callback' && s.ms > FAIL_FAST_MS);
    const readyDuring = during.filter((s) => s.kind === 'ready');
    const liveBad = samples.filter((s) => s.kind === 'live' && s.status !== 200);
    const callbacksDuring = during.filter((s) => s.kind === 'callback');
    const callbacksNot503 = callbacksDuring.filter((s) => s.status !== 503);

    // Nothing acknowledged lost.
    const acked201 = api.filter((s) => s.kind === 'initiate' && s.status === 201).length;
    const ackedCallbacks = samples.filter((s) => s.kind === 'callback' && s.status === 200).length;
    const db = await withClient(dbUrl, async (c) => {
      const rows = (
        await c.query(`SELECT id, status, initiated_at FROM submissions WHERE id = ANY($1)`, [created])
      ).rows;
      const byId = new Map(rows.map((r) => [r.id as string, r]));
      const lostCreated = created.filter((id) => !byId.get(id)?.initiated_at);
      const lostCompleted = completedInSandbox.filter((id) => byId.get(id)?.status !== 'COMPLETED');
      return { lostCreated, lostCompleted, timeline: await explainAll(c) };
    });

    rec.set({
      load: `${samples.length} requests over ${((Date.now() - (samples[0]?.startedAt ?? Date.now())) / 1000).toFixed(0)} s: 6 initiating loops (25 ms pause), 2 reading, 2 completing through the sandbox (~13 callbacks/s), health probes every 100 ms`,
      faults: `PostgreSQL stopped (fast shutdown) for ${OUTAGE_MS / 1000} s, then started again`,
      inputs: samples.length,
      acknowledged: acked201 + ackedCallbacks,
      lost: db.lostCreated.length + db.lostCompleted.length,
    });
    rec.figure('answers during the outage (API)', fmtCounts(countBy(duringApi, (s) => s.status)));
    rec.figure(
      'callbacks during the outage (first attempt)',
      fmtCounts(countBy(callbacksDuring, (s) => s.status)),
    );
    rec.figure(
      'API latency during the outage, p50 / p99 / max (ms)',
      `${percentile(
        duringApi.map((s) => s.ms),
        50,
      ).toFixed(0)} / ${percentile(
        duringApi.map((s) => s.ms),
        99,
      ).toFixed(0)} / ${Math.max(0, ...duringApi.map((s) => s.ms)).toFixed(0)}`,
    );
    rec.figure('/health/ready during the outage', fmtCounts(countBy(readyDuring, (s) => s.status)));
    rec.figure('/health/live not 200', liveBad.length);
    rec.figure('500s (any phase)', err500.length);
    rec.figure('no answer / client timeout', hung.length);
    rec.figure(
      'recovered after the database returned (ms)',
      recoveredAt ? Math.round(recoveredAt - returnedAt) : 'never',
    );
    rec.figure('service process exits / restarts', `${service.alive ? 0 : 1} / ${service.starts - 1}`);
    rec.figure('initiations acknowledged (201)', acked201);
    rec.figure(
      'callbacks acknowledged on first attempt / completed in the sandbox',
      `${ackedCallbacks} / ${completedInSandbox.length}`,
    );
    rec.figure('sandbox redeliveries drained', idle ? 'yes' : 'no');
    rec.figure(
      'submissions checked against their timeline',
      `${db.timeline.checked} (${db.timeline.problems.length} unexplained)`,
    );

    rec.check(service.alive, 'the service process exited');
    rec.check(
      notProblem503.length === 0,
      `${notProblem503.length} API answers during the outage were not 503 problem+json with Retry-After`,
    );
    rec.check(
      callbacksNot503.length === 0,
      `${callbacksNot503.length} callbacks during the outage were not answered 503`,
    );
    rec.check(err500.length === 0, `${err500.length} 5xx other than 503`);
    rec.check(hung.length === 0, `${hung.length} requests got no answer`);
    rec.check(
      slowDuring.length === 0,
      `${slowDuring.length} requests during the outage took over ${FAIL_FAST_MS} ms`,
    );
    rec.check(
      readyDuring.length > 0 && readyDuring.every((s) => s.status === 503),
      '/health/ready did not report the outage',
    );
    rec.check(recoveredAt > 0 && recoveredAt - returnedAt <= RECOVERY_BUDGET_MS, 'no recovery within 5 s');
    rec.check(db.lostCreated.length === 0, `${db.lostCreated.length} acknowledged initiations missing`);
    rec.check(db.lostCompleted.length === 0, `${db.lostCompleted.length} completions never applied`);
    rec.check(db.timeline.problems.length === 0, db.timeline.problems.slice(0, 5).join('; '));

    expect(service.alive).toBe(true);
    expect(duringApi.length).toBeGreaterThan(20);
    expect(notProblem503.map((s) => `${s.kind} ${s.status} ${s.body.slice(0, 120)}`).slice(0, 5)).toEqual([]);
    expect(callbacksNot503.map((s) => `${s.status} ${s.error ?? ''}`).slice(0, 5)).toEqual([]);
    expect(err500.map((s) => `${s.kind} ${s.phase} ${s.status} ${s.body.slice(0, 160)}`).slice(0, 5)).toEqual(
      [],
    );
    expect(hung.map((s) => `${s.kind} ${s.phase} ${s.error}`).slice(0, 5)).toEqual([]);
    expect(slowDuring.map((s) => `${s.kind} ${s.ms.toFixed(0)} ms`).slice(0, 5)).toEqual([]);
    expect(readyDuring.length).toBeGreaterThan(0);
    expect(readyDuring.every((s) => s.status === 503)).toBe(true);
    expect(liveBad.length).toBe(0);
    expect(recoveredAt).toBeGreaterThan(0);
    expect(recoveredAt - returnedAt).toBeLessThanOrEqual(RECOVERY_BUDGET_MS);
    expect(idle).toBe(true);
    expect(db.lostCreated).toEqual([]);
    expect(db.lostCompleted).toEqual([]);
    expect(db.timeline.problems.slice(0, 10)).toEqual([]);
  });
});
