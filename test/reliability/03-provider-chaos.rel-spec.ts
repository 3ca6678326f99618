// Scenario 3, provider chaos: the sandbox answers 30 % of calls 500 and 10 % 429, adds up to 2 s
// of latency, and revokes every partner token once, while partners keep initiating and a backlog
// of completed-but-never-called-back submissions (and 30 whose user never finishes, polled again
// and again) waits for reconciliation; one 3 s burst of 100 % 5xx in the middle (so the breaker's
// opening is certain, not a matter of luck). Initiations must
// answer 201, 502 or 503 and never hang; the circuit breaker must open and close again (read from
// /metrics); reconciliation must finish the backlog afterwards; and no submission may be polled
// more often than its backoff allows (the sandbox's polls per session against the POLL events and
// their spacing).
import { setTimeout as sleep } from 'node:timers/promises';
import { POLL_SCHEDULE_DEFAULTS } from '../../src/reconciliation/poll-schedule.js';
import { createDatabase, dumpTables, sharedAdminUrl, withClient } from './support/postgres.js';
import { SandboxProcess, ServiceProcess } from './support/processes.js';
import { Answer, countBy, fmtCounts, loop, mapLimit, metric, percentile, waitUntil } from './support/http.js';
import { Recorder } from './support/results.js';
import { explainAll } from './support/timeline.js';
import { initiate, recordSandboxPii } from './support/traffic.js';

const TIMEOUT_MS = 3000;
const AFTER_SECONDS = 5;
const BACKLOG = 150;
const UNFINISHED = 30;
const CHAOS_MS = 24_000;
/**
 * The longest an initiation may take: the partner token (3 tries) and Initiate Flow (3 tries,
 * 429s retried) each up to the call timeout plus the 2 s backoff cap, once more after a 401, and
 * once more under a fresh session after an ambiguous failure. Past this it hangs.
 */
const HANG_MS = 2 * (3 * (TIMEOUT_MS + 2000)) * 2;

const CHAOS = { errorRate: 0.3, throttleRate: 0.1, latencyMs: 0, latencyJitterMs: 2000 };

describe('scenario 3: provider chaos', () => {
  const rec = new Recorder('3-provider-chaos', '3. Provider chaos');
  let sandbox: SandboxProcess;
  let service: ServiceProcess;
  let dbUrl: string;

  beforeAll(async () => {
    dbUrl = await createDatabase(sharedAdminUrl(), 'rel_chaos');
    sandbox = await SandboxProcess.start('chaos');
    service = await ServiceProcess.start('chaos', {
      databaseUrl: dbUrl,
      providerUrl: sandbox.url,
      tokenUrl: sandbox.tokenUrl,
      env: {
        ONEKYC_TIMEOUT_MS: String(TIMEOUT_MS),
        ONEKYC_MAX_RPS: '30',
        RECONCILE_ENABLED: 'true',
        RECONCILE_CRON: '*/2 * * * * *',
        RECONCILE_AFTER_SECONDS: String(AFTER_SECONDS),
      },
    });
    await sandbox.control.updateSettings({ callbackUrl: `${service.baseUrl}/v1/callbacks/onekyc` });
  });

  afterAll(async () => {
    await service?.stop();
    await sandbox?.stop();
    if (dbUrl) await dumpTables(dbUrl, 'chaos').catch(() => undefined);
  });

  it('should answer 201/502/503 without hanging, open and close the breaker, and finish the reconciliation backlog', async () => {
    // The backlog: initiated, then completed at the provider without a callback.
    const backlog: string[] = [];
    await mapLimit(Array.from({ length: BACKLOG }), 12, async () => {
      const a = await initiate(service.baseUrl, 'chaos-backlog');
      if (a.id) backlog.push(a.id);
    });
    expect(backlog).toHaveLength(BACKLOG);
    await mapLimit(backlog, 12, (id, i) =>
      sandbox.control.complete(id, { result: i % 4 === 0 ? 'INVALID' : 'VALID', deliver: false }),
    );
    // And sessions whose user never finishes capture: polled again and again, with backoff.
    const unfinished: string[] = [];
    await mapLimit(Array.from({ length: UNFINISHED }), 10, async () => {
      const a = await initiate(service.baseUrl, 'chaos-unfinished');
      if (a.id) unfinished.push(a.id);
    });
    expect(unfinished).toHaveLength(UNFINISHED);
    await sandbox.control.resetStats();

    // The breaker, sampled from /metrics.
    const breaker: { at: number; api?: number; token?: number }[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        breaker.push({
          at: Date.now(),
          api: await metric(service.baseUrl, 'onekyc_circuit_breaker_state{host="api"}'),
          token: await metric(service.baseUrl, 'onekyc_circuit_breaker_state{host="token"}'),
        });
        await sleep(200);
      }
    })();

    const answers: (Answer & { id?: string; phase: string })[] = [];
    let phase = 'chaos';
    let stop = false;
    const chaosStart = Date.now();
    await sandbox.control.setFaults({ all: CHAOS });
    // 8 partners, each starting an initiation every 250 ms at most (a 503 is fast: no think time
    // would turn the scenario into a tight loop against the open breaker).
    const load = loop(
      8,
      () => stop,
      async () => {
        const p = phase;
        const a = await initiate(service.baseUrl, 'chaos', HANG_MS + 5000);
        answers.push({ ...a, phase: p });
      },
      250,
    );
    await sleep(8_000);
    const openedBeforeBurst = breaker.some((b) => b.api === 1);
    const revoked = await sandbox.control.revokeTokens();
    await sleep(4_000);
    phase = 'burst';
    await sandbox.control.setFaults({ all: { errorRate: 1 } });
    await sleep(3_000);
    phase = 'chaos';
    await sandbox.control.setFaults({ all: CHAOS });
    await sleep(Math.max(0, CHAOS_MS - (Date.now() - chaosStart)));
    phase = 'after';
    await sandbox.control.resetFaults();
    stop = true;
    await load;
    const chaosStats = await sandbox.control.stats();

    // Afterwards: a trickle of initiations lets the breaker probe and close.
    const closed = await waitUntil(
      async () => {
        answers.push({ ...(await initiate(service.baseUrl, 'chaos-after', HANG_MS + 5000)), phase: 'after' });
        return breaker.at(-1)?.api === 0 && breaker.some((b) => b.api === 1) ? true : undefined;
      },
      40_000,
      1000,
    );
    // ... and reconciliation finishes the backlog by itself.
    const backlogStart = Date.now();
    const done = await waitUntil(
      () =>
        withClient(dbUrl, async (c) => {
          const n = (
            await c.query(
              `SELECT count(*)::int AS n FROM submissions WHERE id = ANY($1) AND status = 'COMPLETED'`,
              [backlog],
            )
          ).rows[0].n;
          return n === BACKLOG ? n : undefined;
        }),
      150_000,
      1000,
    );
    const backlogMs = Date.now() - backlogStart;
    // The unfinished ones: wait for each one's second poll (the first backoff interval, ~30 s).
    const repolled = await waitUntil(
      () =>
        withClient(dbUrl, async (c) => {
          const r = await c.query(
            `SELECT count(*)::int AS n FROM (SELECT submission_id FROM submission_events WHERE submission_id = ANY($1)
               AND type = 'POLL' AND source = 'reconciliation' GROUP BY submission_id HAVING count(*) >= 2) x`,
            [unfinished],
          );
          return r.rows[0].n === UNFINISHED ? true : undefined;
        }),
      90_000,
      1000,
    );
    sampling = false;
    await sampler;
    await recordSandboxPii(sandbox.control, backlog.slice(0, 40));

    // Polls: provider calls per session against the POLL events, and the spacing of those events.
    const polls = await sandbox.control.polls();
    const db = await withClient(dbUrl, async (c) => {
      const events = (
        await c.query(
          `SELECT submission_id, type, source, created_at FROM submission_events
           WHERE submission_id = ANY($1) AND type IN ('POLL', 'STATUS_CHANGED') ORDER BY submission_id, id`,
          [[...backlog, ...unfinished]],
        )
      ).rows as { submission_id: string; type: string; source: string; created_at: Date }[];
      const created = new Map(
        ((await c.query(`SELECT id, status FROM submissions`)).rows as { id: string; status: string }[]).map(
          (r) => [r.id, r.status],
        ),
      );
      const initiationFailed = (
        await c.query(
          `SELECT initiation_error->>'kind' AS kind FROM submissions WHERE status = 'INITIATION_FAILED'`,
        )
      ).rows as { kind: string }[];
      return { events, created, initiationFailed, timeline: await explainAll(c) };
    });
    const pollEvents = new Map<string, number>();
    const tooSoon: string[] = [];
    const base = Math.max(AFTER_SECONDS, POLL_SCHEDULE_DEFAULTS.minIntervalSeconds);
    const byId = new Map<string, typeof db.events>();
    for (const e of db.events) byId.set(e.submission_id, [...(byId.get(e.submission_id) ?? []), e]);
    for (const [id, evs] of byId) {
      let sinceChange = 0;
      let last: Date | undefined;
      for (const e of evs) {
        if (e.type === 'STATUS_CHANGED') {
          sinceChange = 0;
          last = undefined;
          continue;
        }
        pollEvents.set(id, (pollEvents.get(id) ?? 0) + 1);
        if (e.source !== 'reconciliation') continue;
        if (last) {
          // nextPollDelaySeconds: base × 2^(polls since the change − 1), shortened by at most 10 %.
          const minGap = base * 2 ** Math.max(0, sinceChange - 1) * (1 - POLL_SCHEDULE_DEFAULTS.jitter) - 1;
          const gap = (e.created_at.getTime() - last.getTime()) / 1000;
          if (gap < minGap)
            tooSoon.push(
              `${id}: poll ${sinceChange + 1} after ${gap.toFixed(1)} s (backoff ${minGap.toFixed(1)} s)`,
            );
        }
        sinceChange++;
        last = e.created_at;
      }
    }
    const overPolled = [...backlog, ...unfinished].filter(
      (id) => (polls.bySession[id] ?? 0) > 6 * (pollEvents.get(id) ?? 0),
    );
    const gaps: number[] = [];
    for (const id of unfinished) {
      const times = (byId.get(id) ?? [])
        .filter((e) => e.type === 'POLL' && e.source === 'reconciliation')
        .map((e) => e.created_at.getTime());
      for (let i = 1; i < times.length; i++) gaps.push((times[i] - times[i - 1]) / 1000);
    }

    // Initiations: only 201, 502 or 503, never a hang; what was acknowledged exists.
    const statuses = countBy(answers, (a) => (a.status === 0 ? `no answer (${a.error})` : a.status));
    const bad = answers.filter((a) => ![201, 502, 503].includes(a.status));
    const ms = answers.map((a) => a.ms);
    const acked = answers.filter((a) => a.status === 201);
    const lostAcks = acked.filter((a) => db.created.get(a.id!) !== 'INITIATED');
    const opened = breaker.findIndex((b) => b.api === 1);
    const closedAgain = opened >= 0 && breaker.slice(opened).some((b) => b.api === 0);
    const states = breaker.map((b) => b.api).filter((v, i, a) => i === 0 || v !== a[i - 1]);

    rec.set({
      load: `${answers.length} initiations (8 partners, ≤ 4/s each) during ${CHAOS_MS / 1000} s of chaos and after; a backlog of ${BACKLOG} completions without callback`,
      faults:
        '30 % 5xx, 10 % 429, 0–2 s latency on every provider call; all partner tokens revoked once; one 3 s burst of 100 % 5xx',
      inputs: answers.length,
      acknowledged: acked.length,
      lost: lostAcks.length + (BACKLOG - (done ?? 0)),
    });
    rec.figure('initiation answers', fmtCounts(statuses));
    rec.figure(
      '502/503 answers by cause',
      fmtCounts(
        countBy(
          answers.filter((a) => a.status === 502 || a.status === 503),
          (a) => {
            try {
              const b = JSON.parse(a.body);
              return `${a.status} ${b.kind ?? ''}${b.cause ? ` ${b.cause}` : ''}`;
            } catch {
              return String(a.status);
            }
          },
        ),
      ),
    );
    rec.figure(
      'initiation latency p50 / p99 / max (ms)',
      `${percentile(ms, 50).toFixed(0)} / ${percentile(ms, 99).toFixed(0)} / ${Math.max(...ms).toFixed(0)}`,
    );
    rec.figure('hang bound (ms)', HANG_MS);
    rec.figure(
      'provider calls during the chaos (token / initiate / poll)',
      `${chaosStats.calls.token} / ${chaosStats.calls.initiateFlow} / ${chaosStats.calls.submissions}`,
    );
    rec.figure(
      'provider answers during the chaos',
      Object.entries(chaosStats.responses)
        .map(([k, v]) => `${k} ${fmtCounts(v)}`)
        .join('; '),
    );
    rec.figure('tokens revoked / partner tokens fetched', `${revoked} / ${sandbox.tap.tokens.length}`);
    rec.figure(
      'breaker (api host) states seen, in order',
      states.map((s) => ['closed', 'open', 'half-open', 'isolated'][s ?? 0] ?? String(s)).join(' → '),
    );
    rec.figure('breaker opened by the 30 % phase alone (before the burst)', openedBeforeBurst ? 'yes' : 'no');
    rec.figure(
      'backlog completed by reconciliation',
      `${done ?? 0} / ${BACKLOG} (${(backlogMs / 1000).toFixed(0)} s after the chaos)`,
    );
    rec.figure(
      'provider polls for the backlog / POLL events',
      `${backlog.reduce((n, id) => n + (polls.bySession[id] ?? 0), 0)} / ${[...pollEvents.values()].reduce((a, b) => a + b, 0)}`,
    );
    rec.figure(
      'max provider polls of one submission',
      Math.max(0, ...backlog.map((id) => polls.bySession[id] ?? 0)),
    );
    rec.figure(
      `never-finished sessions (${UNFINISHED}): provider polls / POLL events / shortest gap between polls`,
      `${unfinished.reduce((n, id) => n + (polls.bySession[id] ?? 0), 0)} / ${unfinished.reduce((n, id) => n + (pollEvents.get(id) ?? 0), 0)} / ${gaps.length ? Math.min(...gaps).toFixed(1) : '-'} s`,
    );
    rec.figure('polls sooner than the backoff allows', tooSoon.length);
    rec.figure(
      'INITIATION_FAILED rows written for initiations refused with the breaker open',
      fmtCounts(countBy(db.initiationFailed, (r) => r.kind)),
    );
    rec.figure(
      'rows checked against their timeline / unexplained',
      `${db.timeline.checked} / ${db.timeline.problems.length}`,
    );

    rec.check(
      bad.length === 0,
      `initiations answered ${fmtCounts(countBy(bad, (a) => a.status || a.error || '?'))}`,
    );
    rec.check(Math.max(...ms) <= HANG_MS, `an initiation took ${Math.max(...ms).toFixed(0)} ms`);
    rec.check(opened >= 0 && closedAgain, 'the breaker did not open and close');
    rec.check(done === BACKLOG, `backlog not finished: ${done ?? 'timeout'}`);
    rec.check(tooSoon.length === 0, tooSoon.slice(0, 3).join('; '));
    rec.check(
      overPolled.length === 0,
      `${overPolled.length} submissions polled more than their POLL events explain`,
    );
    rec.check(lostAcks.length === 0, `${lostAcks.length} acknowledged initiations not INITIATED`);
    rec.check(db.timeline.problems.length === 0, db.timeline.problems.slice(0, 3).join('; '));

    expect(bad.map((a) => `${a.status} ${a.error ?? ''} ${a.body.slice(0, 120)}`).slice(0, 5)).toEqual([]);
    expect(Math.max(...ms)).toBeLessThanOrEqual(HANG_MS);
    expect(acked.length).toBeGreaterThan(0);
    expect(answers.some((a) => a.status === 503 || a.status === 502)).toBe(true);
    expect(opened).toBeGreaterThanOrEqual(0);
    expect(closedAgain).toBe(true);
    expect(closed).toBe(true);
    expect(sandbox.tap.tokens.length).toBeGreaterThanOrEqual(2);
    expect(done).toBe(BACKLOG);
    expect(repolled).toBe(true);
    expect(tooSoon).toEqual([]);
    expect(overPolled).toEqual([]);
    expect(lostAcks.map((a) => a.id)).toEqual([]);
    expect(db.timeline.problems.slice(0, 10)).toEqual([]);
  });
});
