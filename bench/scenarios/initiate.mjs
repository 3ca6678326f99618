// initiate: POST /v1/verifications for distinct users at 16 connections, the sandbox answering at
// zero added latency; the baseline server does the same forwarding and the same writes. The
// service runs with ONEKYC_MAX_RPS=10000 (the highest allowed): the limiter stays in the path
// but never holds a call back. Token fetches are the sandbox's count over the service's runs.
import { KEYS } from '../lib/stack.mjs';
import { round1, round3 } from './callback-ingest.mjs';

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

export async function initiate(stack, { quick, rounds, log }) {
  const seconds = quick ? 4 : 15;
  // The service's initiation path (Nest, class-validator, undici, pg) needs ~10 s of traffic
  // before its CPU per request settles (round 1 after 5 s used 30-50% more than round 2).
  const warmSeconds = quick ? 1 : 10;
  const connections = 16;
  await stack.resetData();
  await stack.sandbox.control.reset();

  const service = await stack.startService({
    sandboxUrl: stack.sandbox.url,
    env: { ONEKYC_MAX_RPS: '10000' },
  });
  const baseline = await stack.startBaseline({ sandboxUrl: stack.sandbox.url });
  const targets = { service, baseline };
  let batch = 0;
  const drive = (t, s) =>
    stack.measured(targets[t], {
      job: 'initiate',
      url: targets[t].url,
      connections,
      duration: s,
      apiKey: KEYS.api,
      userPrefix: `${t}-${batch++}`,
    });

  // The baseline fetches its token during its warm-up; from then on every token fetch is the service's.
  await drive('baseline', warmSeconds);
  await stack.sandbox.control.resetStats();
  await drive('service', warmSeconds);
  const runs = { service: [], baseline: [] };
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? ['service', 'baseline'] : ['baseline', 'service'];
    for (const t of order) {
      const r = await drive(t, seconds);
      runs[t].push(r);
      log(
        `  ${t.padEnd(8)} round ${round + 1}: ${r.rps.toFixed(0)} req/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, ` +
          `errors ${r.errors}${r.errors ? ` ${JSON.stringify(r.statusCodes)}` : ''}; ` +
          `CPU/req ${r.cpuMsPerReq.toFixed(3)} ms server (${r.sysCpuMsPerReq.toFixed(3)} sys), ${r.pgCpuMsPerReq.toFixed(3)} ms postgres`,
      );
    }
  }
  const stats = await stack.sandbox.control.stats();
  log(
    `  sandbox: ${stats.calls.initiateFlow} Initiate Flow calls, ${stats.tokenFetches} token fetch(es) since the service's warm-up`,
  );
  await service.stop();
  await baseline.stop();

  const s = runs.service;
  const b = runs.baseline;
  const json = {
    rps: round1(mean(s.map((r) => r.rps))),
    baselineRps: round1(mean(b.map((r) => r.rps))),
    ratio: round3(mean(s.map((r) => r.rps)) / mean(b.map((r) => r.rps))),
    p50Ms: round1(mean(s.map((r) => r.p50Ms))),
    p99Ms: round1(mean(s.map((r) => r.p99Ms))),
    tokenFetches: stats.tokenFetches,
    errors: s.reduce((n, r) => n + r.errors, 0),
  };
  const rows = [
    {
      scenario: 'initiate c=16',
      service: `${json.rps} req/s`,
      baseline: `${json.baselineRps} req/s`,
      ratio: json.ratio,
      p50: `${json.p50Ms} / ${round1(mean(b.map((r) => r.p50Ms)))} ms`,
      p99: `${json.p99Ms} / ${round1(mean(b.map((r) => r.p99Ms)))} ms`,
      errors: `${json.errors} / ${b.reduce((n, r) => n + r.errors, 0)}`,
    },
  ];
  const checks = [
    [`initiate ratio ≥ 0.8 (${json.ratio})`, json.ratio >= 0.8],
    [`initiate token fetches ≤ 1 (${json.tokenFetches})`, json.tokenFetches <= 1],
    [`initiate 0 errors (${json.errors})`, json.errors === 0],
  ];
  return { json, rows, checks };
}
