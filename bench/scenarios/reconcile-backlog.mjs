// reconcile_backlog: 20,000 pending submissions (INITIATED, initiated 20 minutes ago, due for a
// poll once the service is up) whose results the sandbox holds (seeded with the same
// partnerSessionIds and userIds, no callbacks sent). The service starts with RECONCILE_ENABLED=true, RECONCILE_CRON every second,
// RECONCILE_AFTER_SECONDS=0 and ONEKYC_MAX_RPS=200, nothing else calling the provider. Measured:
// seconds from the moment the rows fall due until none is pending, the highest number of provider calls the
// sandbox received in any one second (never above the budget), and rows settled per second over
// the budget. cluster_budget runs the same with three service processes on the one database:
// ONEKYC_MAX_RPS is the partner's budget for all of them together (one count in PostgreSQL).
import { setTimeout as sleep } from 'node:timers/promises';
import { insertPendingSubmissions } from '../lib/data.mjs';
import { round1, round3 } from './callback-ingest.mjs';

const BUDGET = 200;

export function reconcileBacklog(stack, opts) {
  return backlog(stack, opts, { name: 'reconcile_backlog', instances: 1, rows: opts.quick ? 2_000 : 20_000 });
}

export function clusterBudget(stack, opts) {
  return backlog(stack, opts, { name: 'cluster_budget', instances: 3, rows: opts.quick ? 2_000 : 8_000 });
}

async function backlog(stack, { log }, { name, instances, rows }) {
  await stack.resetData();
  await stack.sandbox.control.reset();
  const userIds = Array.from({ length: rows }, (_, i) => `recon-user-${i}`);
  const ids = await insertPendingSubmissions(stack, rows, { userIds, createdAgoSeconds: 1200 });
  for (let i = 0; i < rows; i += 2000) {
    await stack.sandbox.control.seed({
      sessions: ids.slice(i, i + 2000).map((id, j) => ({
        partnerSessionId: id,
        userId: userIds[i + j],
        userIdType: 'USER_ID',
      })),
      status: 'COMPLETED',
      result: 'VALID',
      returnIds: false,
    });
  }
  // Not due until every instance is up: the drain is timed from the moment the rows fall due.
  await stack.sql(`UPDATE submissions SET next_poll_at = now() + interval '1 day'`);
  await stack.sandbox.control.resetStats();

  const services = [];
  for (let i = 0; i < instances; i++) {
    services.push(
      await stack.startService({
        sandboxUrl: stack.sandbox.url,
        name: instances > 1 ? `service-${i + 1}` : 'service',
        env: {
          RECONCILE_ENABLED: 'true',
          RECONCILE_CRON: '*/1 * * * * *',
          RECONCILE_AFTER_SECONDS: '0',
          ONEKYC_MAX_RPS: String(BUDGET),
        },
      }),
    );
  }
  await stack.sandbox.control.resetStats();
  await stack.sql(`UPDATE submissions SET next_poll_at = now()`);
  const t0 = performance.now();
  // Bounded: at a third of the budget it would still finish well inside this.
  const deadline = t0 + ((rows / BUDGET) * 3 + 60) * 1000;
  let pending = rows;
  let lastLog = t0;
  while (pending > 0 && performance.now() < deadline) {
    await sleep(200);
    pending = (
      await stack.sql(
        `SELECT count(*)::int AS n FROM submissions WHERE status IN ('INITIATED', 'IN_PROGRESS', 'PARTIALLY_COMPLETED')`,
      )
    )[0].n;
    if (performance.now() - lastLog > 15_000) {
      lastLog = performance.now();
      log(`  ${rows - pending} of ${rows} settled after ${((lastLog - t0) / 1000).toFixed(0)} s`);
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  const stats = await stack.sandbox.control.stats();
  for (const service of services) await service.stop();
  const settled = rows - pending;
  const outcome = await stack.sql(`SELECT status, count(*)::int AS n FROM submissions GROUP BY 1 ORDER BY 1`);
  // Calls per second while the backlog lasted (first and last seconds are partial).
  const perSecond = Object.entries(stats.perSecond.all)
    .sort((a, b) => Number(a[0]) - Number(b[0]))
    .map(([, n]) => n);
  const steady = perSecond.slice(1, -1);
  const steadyMean = steady.length ? steady.reduce((a, b) => a + b, 0) / steady.length : 0;
  log(
    `  ${settled} of ${rows} settled in ${seconds.toFixed(1)} s (${outcome.map((r) => `${r.status} ${r.n}`).join(', ')}); ` +
      `provider calls ${stats.calls.submissions} polls + ${stats.calls.token} token, max ${stats.maxPerSecond.all}/s, ` +
      `steady mean ${steadyMean.toFixed(0)}/s`,
  );
  log(`  provider calls per second: ${perSecond.join(' ')}`);
  const json = {
    instances,
    rows,
    seconds: round1(seconds),
    budgetRps: BUDGET,
    maxRpsSeen: stats.maxPerSecond.all,
    ratio: round3(settled / seconds / BUDGET),
  };
  return {
    json,
    rows: [
      {
        scenario: `${name} ${rows / 1000}k${instances > 1 ? ` × ${instances} instances` : ''}`,
        service: `${round1(settled / seconds)} rows/s (${json.seconds} s)`,
        baseline: `budget ${BUDGET}/s`,
        ratio: json.ratio,
        p50: `max ${json.maxRpsSeen} calls/s`,
        p99: '',
        errors: String(pending),
      },
    ],
    checks: [
      [`${name} settled all ${rows} (${pending} left)`, pending === 0],
      [`${name} maxRpsSeen ≤ budget (${json.maxRpsSeen} ≤ ${BUDGET})`, json.maxRpsSeen <= BUDGET],
      instances > 1
        ? [`${name} ratio ≥ 0.9 (${json.ratio})`, json.ratio >= 0.9]
        : [`${name} ratio ≥ 0.95 (${json.ratio})`, json.ratio >= 0.95],
    ],
  };
}
