// reconcile_backlog: 20,000 pending submissions (INITIATED, initiated 20 minutes ago, due for a
// poll) whose results the sandbox holds (seeded with the same partnerSessionIds and userIds, no
// callbacks sent). The service starts with RECONCILE_ENABLED=true, RECONCILE_CRON every second,
// RECONCILE_AFTER_SECONDS=0 and ONEKYC_MAX_RPS=200, nothing else calling the provider. Measured:
// seconds from /health/ready until no row is pending, the highest number of provider calls the
// sandbox received in any one second (never above the budget), and rows settled per second over
// the budget.
import { setTimeout as sleep } from 'node:timers/promises';
import { insertPendingSubmissions } from '../lib/data.mjs';
import { round1, round3 } from './callback-ingest.mjs';

const BUDGET = 200;

export async function reconcileBacklog(stack, { quick, log }) {
  const rows = quick ? 2_000 : 20_000;
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
  await stack.sandbox.control.resetStats();

  const service = await stack.startService({
    sandboxUrl: stack.sandbox.url,
    env: {
      RECONCILE_ENABLED: 'true',
      RECONCILE_CRON: '*/1 * * * * *',
      RECONCILE_AFTER_SECONDS: '0',
      ONEKYC_MAX_RPS: String(BUDGET),
    },
  });
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
  await service.stop();
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
        scenario: `reconcile_backlog ${rows / 1000}k`,
        service: `${round1(settled / seconds)} rows/s (${json.seconds} s)`,
        baseline: `budget ${BUDGET}/s`,
        ratio: json.ratio,
        p50: `max ${json.maxRpsSeen} calls/s`,
        p99: '',
        errors: String(pending),
      },
    ],
    checks: [
      [`reconcile settled all ${rows} (${pending} left)`, pending === 0],
      [`reconcile maxRpsSeen ≤ budget (${json.maxRpsSeen} ≤ ${BUDGET})`, json.maxRpsSeen <= BUDGET],
      [`reconcile ratio ≥ 0.95 (${json.ratio})`, json.ratio >= 0.95],
    ],
  };
}
