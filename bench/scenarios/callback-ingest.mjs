// callback_ingest: distinct completion callbacks for pre-created INITIATED submissions (10% exact
// duplicates of recently sent ones), at 16 and at 64 connections, against the service and two
// baselines in turn (rounds rotate which goes first): the bare Fastify + pg server doing the same
// durable work (personal data encrypted), and the minimal one (BEGIN, INSERT the raw event, UPDATE
// the status, COMMIT: the simplest thing that works, what partners compare us with); then pgbench
// running the bare server's transaction at the same concurrency (the database's ceiling).
import { join } from 'node:path';
import { callbackBody } from '../lib/bodies.mjs';
import { insertPendingSubmissions, insertPgbenchRows } from '../lib/data.mjs';
import { findPgbench, runPgbench, writeScript } from '../lib/pgbench.mjs';
import { KEYS } from '../lib/stack.mjs';

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

export async function callbackIngest(stack, { quick, rounds, log }) {
  const seconds = quick ? 4 : 15;
  const warmSeconds = quick ? 1 : 5;
  const concurrencies = [16, 64];
  await stack.resetData();

  // Ingestion only: the image downloads each callback queues are left to another instance
  // (EVIDENCE_CONCURRENCY=0); the evidence scenario measures the archive.
  const service = await stack.startService({ sandboxUrl: stack.sandbox.url, env: { EVIDENCE_CONCURRENCY: '0' } });
  const baseline = await stack.startBaseline({ sandboxUrl: stack.sandbox.url });
  const minimal = await stack.startBaseline({ sandboxUrl: stack.sandbox.url, kind: 'minimal' });
  const targets = { service, baseline, minimal };
  const names = Object.keys(targets);

  // Ids are consumed in order from a pool topped up before each run, so no run ever reuses a row.
  let pool = [];
  let next = 0;
  let expectRps = 6000;
  let maxSeen = 0;
  let serviceFresh = 0;
  const take = async (runSeconds) => {
    const need = Math.ceil(expectRps * 1.4 * runSeconds) + 2000;
    if (pool.length - next < need) {
      const fresh = await insertPendingSubmissions(stack, need);
      pool = pool.slice(next).concat(fresh);
      next = 0;
    }
    const file = stack.writeTmp('callback-ids.json', pool.slice(next, next + need));
    return { file, count: need };
  };
  const drive = async (target, connections, runSeconds, seed) => {
    const { file, count } = await take(runSeconds);
    const r = await stack.measured(targets[target], {
      job: 'callback',
      url: targets[target].url,
      connections,
      duration: runSeconds,
      idsFile: file,
      dupRate: 0.1,
      seed,
      authHeader: KEYS.callbackHeader,
      authValue: KEYS.callbackValue,
    });
    next += Math.min(r.fresh, count);
    if (target === 'service') serviceFresh += r.fresh;
    if (r.wrapped)
      log(`  warning: ${target} used up its ${count} ids; later callbacks repeated earlier ones`);
    maxSeen = Math.max(maxSeen, r.rps);
    expectRps = Math.max(maxSeen, 5000);
    return r;
  };

  const out = {};
  let seed = 1;
  for (const c of concurrencies) {
    const runs = { service: [], baseline: [], minimal: [] };
    for (const t of names) await drive(t, c, warmSeconds, seed++);
    for (let round = 0; round < rounds; round++) {
      const order = names.map((_, i) => names[(i + round) % names.length]);
      for (const t of order) {
        const r = await drive(t, c, seconds, seed++);
        runs[t].push(r);
        log(
          `  ${t.padEnd(8)} c=${c} round ${round + 1}: ${r.rps.toFixed(0)} req/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, ` +
            `errors ${r.errors}${r.errors ? ` ${JSON.stringify(r.statusCodes)}` : ''} (${r.dups} duplicates); ` +
            `CPU/req ${r.cpuMsPerReq.toFixed(3)} ms server (${r.sysCpuMsPerReq.toFixed(3)} sys), ${r.pgCpuMsPerReq.toFixed(3)} ms postgres`,
        );
      }
    }
    out[c] = {
      rps: mean(runs.service.map((r) => r.rps)),
      p50Ms: mean(runs.service.map((r) => r.p50Ms)),
      p99Ms: mean(runs.service.map((r) => r.p99Ms)),
      errors: runs.service.reduce((n, r) => n + r.errors, 0),
      baselineRps: mean(runs.baseline.map((r) => r.rps)),
      baselineP50Ms: mean(runs.baseline.map((r) => r.p50Ms)),
      baselineP99Ms: mean(runs.baseline.map((r) => r.p99Ms)),
      baselineErrors: runs.baseline.reduce((n, r) => n + r.errors, 0),
      minimalRps: mean(runs.minimal.map((r) => r.rps)),
      minimalP50Ms: mean(runs.minimal.map((r) => r.p50Ms)),
      minimalP99Ms: mean(runs.minimal.map((r) => r.p99Ms)),
      minimalErrors: runs.minimal.reduce((n, r) => n + r.errors, 0),
    };
  }

  // What the service did with them: every fresh callback applied, every duplicate recorded once more.
  const applied = await stack.sql(
    `SELECT count(*) FILTER (WHERE duplicate)::int AS dups, count(*) FILTER (WHERE type = 'STATUS_CHANGED')::int AS changed
     FROM submission_events`,
  );
  log(
    `  service recorded ${applied[0].changed} status changes (${serviceFresh} fresh callbacks sent) and ${applied[0].dups} duplicate callbacks`,
  );

  await service.stop();
  await baseline.stop();
  await minimal.stop();

  // pgbench alone on the machine (the servers are stopped), same SQL, same concurrency.
  const pgbench = findPgbench();
  const tps = {};
  if (!pgbench) {
    log('  pgbench not found (set PGBENCH=/path/to/pgbench): its ceiling is skipped');
  } else {
    const rows = quick ? 50_000 : 200_000;
    await insertPgbenchRows(stack, rows);
    const script = join(stack.tmp, 'callback.pgbench.sql');
    const cipher = await stack.cipher();
    writeScript(script, rows, callbackBody('00000000-0000-4000-8000-000000000001', 1), (v) =>
      cipher.encryptJson(v),
    );
    await stack.sql('CHECKPOINT');
    for (const c of concurrencies) {
      const r = await runPgbench(pgbench, stack.db, { script, clients: c, seconds });
      tps[c] = r.tps;
      log(`  pgbench  c=${c}: ${r.tps.toFixed(0)} tps, latency avg ${r.latencyAvgMs} ms, failed ${r.failed}`);
    }
  }

  const a = out[16];
  const b = out[64];
  const json = {
    rps: round1(a.rps),
    baselineRps: round1(a.baselineRps),
    pgbenchTps: tps[16] === undefined ? null : round1(tps[16]),
    ratio: round3(a.rps / a.baselineRps),
    p50Ms: round1(a.p50Ms),
    p99Ms: round1(a.p99Ms),
    baselineP99Ms: round1(a.baselineP99Ms),
    rps64: round1(b.rps),
    baselineRps64: round1(b.baselineRps),
    ratio64: round3(b.rps / b.baselineRps),
    p99Ms64: round1(b.p99Ms),
    baselineP99Ms64: round1(b.baselineP99Ms),
    minimalBaselineRps: round1(a.minimalRps),
    minimalRatio: round3(a.rps / a.minimalRps),
    minimalP99Ms: round1(a.minimalP99Ms),
    minimalBaselineRps64: round1(b.minimalRps),
    minimalRatio64: round3(b.rps / b.minimalRps),
    minimalP99Ms64: round1(b.minimalP99Ms),
    errors: a.errors + b.errors,
    freshCallbacks: serviceFresh,
    statusChanges: applied[0].changed,
  };
  const rows = [
    {
      scenario: 'callback_ingest c=16',
      service: `${json.rps} req/s`,
      baseline: `${json.baselineRps} req/s`,
      ratio: json.ratio,
      p50: `${json.p50Ms} / ${round1(a.baselineP50Ms)} ms`,
      p99: `${json.p99Ms} / ${json.baselineP99Ms} ms`,
      errors: `${a.errors} / ${a.baselineErrors}`,
    },
    {
      scenario: 'callback_ingest c=64',
      service: `${json.rps64} req/s`,
      baseline: `${json.baselineRps64} req/s`,
      ratio: json.ratio64,
      p50: `${round1(b.p50Ms)} / ${round1(b.baselineP50Ms)} ms`,
      p99: `${json.p99Ms64} / ${json.baselineP99Ms64} ms`,
      errors: `${b.errors} / ${b.baselineErrors}`,
    },
    {
      scenario: 'callback_ingest minimal c=16',
      service: `${json.rps} req/s`,
      baseline: `${json.minimalBaselineRps} req/s`,
      ratio: json.minimalRatio,
      p50: `${json.p50Ms} / ${round1(a.minimalP50Ms)} ms`,
      p99: `${json.p99Ms} / ${json.minimalP99Ms} ms`,
      errors: `${a.errors} / ${a.minimalErrors}`,
    },
    {
      scenario: 'callback_ingest minimal c=64',
      service: `${json.rps64} req/s`,
      baseline: `${json.minimalBaselineRps64} req/s`,
      ratio: json.minimalRatio64,
      p50: `${round1(b.p50Ms)} / ${round1(b.minimalP50Ms)} ms`,
      p99: `${json.p99Ms64} / ${json.minimalP99Ms64} ms`,
      errors: `${b.errors} / ${b.minimalErrors}`,
    },
  ];
  if (tps[16] !== undefined) {
    rows.push({
      scenario: 'callback_ingest pgbench',
      service: `${json.rps} / ${json.rps64} req/s`,
      baseline: `${round1(tps[16])} / ${round1(tps[64])} tps`,
      ratio: `${round3(a.rps / tps[16])} / ${round3(b.rps / tps[64])}`,
      p50: '',
      p99: '',
      errors: '',
    });
  }
  const checks = [
    [`callback_ingest ratio ≥ 0.8 at 16 (${json.ratio})`, json.ratio >= 0.8],
    [`callback_ingest ratio ≥ 0.8 at 64 (${json.ratio64})`, json.ratio64 >= 0.8],
    [`callback_ingest p99 < 50 ms at 16 (${json.p99Ms} ms)`, json.p99Ms < 50],
    [
      `callback_ingest p99 at 64 ≤ 1.5 × baseline (${json.p99Ms64} vs ${json.baselineP99Ms64} ms)`,
      json.p99Ms64 <= 1.5 * json.baselineP99Ms64,
    ],
    [
      `callback_ingest ≥ 0.85 of the minimal baseline at 16 (${json.minimalRatio})`,
      json.minimalRatio >= 0.85,
    ],
    [
      `callback_ingest ≥ 0.85 of the minimal baseline at 64 (${json.minimalRatio64})`,
      json.minimalRatio64 >= 0.85,
    ],
    [
      `callback_ingest p99 ≤ 1.5 × the minimal baseline's at 16 (${json.p99Ms} vs ${json.minimalP99Ms} ms)`,
      json.p99Ms <= 1.5 * json.minimalP99Ms,
    ],
    [
      `callback_ingest p99 ≤ 1.5 × the minimal baseline's at 64 (${json.p99Ms64} vs ${json.minimalP99Ms64} ms)`,
      json.p99Ms64 <= 1.5 * json.minimalP99Ms64,
    ],
    [`callback_ingest 0 errors (${json.errors})`, json.errors === 0],
    // A load that the service records but does not apply (say, callbacks naming another user)
    // measures the wrong path: the fresh callbacks sent must have become status changes. A few
    // may still have been in flight when a run's clock stopped.
    [
      `callback_ingest applied the fresh callbacks (${json.statusChanges} of ${json.freshCallbacks})`,
      json.statusChanges >= 0.98 * json.freshCallbacks && json.statusChanges <= json.freshCallbacks,
    ],
  ];
  return { json, rows, checks };
}

export const round1 = (x) => Math.round(x * 10) / 10;
export const round3 = (x) => Math.round(x * 1000) / 1000;
