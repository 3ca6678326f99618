// The load generator, always its own process (never inside the service or the baseline): the
// harness forks it with an IPC channel, sends one job, gets one summary back, and the worker
// exits. Jobs:
//   callback   distinct completion callbacks for pre-created submissions (ids from a file), with a
//              share of exact duplicates of recently sent ones; autocannon
//   initiate   POST /v1/verifications for distinct users; autocannon
//   mixed      callback / initiate / GET /v1/verifications/:id in turn; autocannon, by count
//   sequential one request at a time over a list of URLs, each timed (exact p50/p95/p99)
import http from 'node:http';
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { callbackBody, initiateBody } from './lib/bodies.mjs';

function loadIds(spec) {
  const all = JSON.parse(readFileSync(spec.idsFile, 'utf8'));
  const from = spec.from ?? 0;
  const count = spec.count ?? all.length - from;
  return all.slice(from, from + count);
}

/** Fresh ids in order; about `dupRate` of the requests repeat one of the last 500 sent. */
function callbackSource(ids, dupRate, seed = 1) {
  let state = seed >>> 0 || 1;
  const rand = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
  const recent = [];
  const s = { fresh: 0, dups: 0, wrapped: false };
  s.next = () => {
    if (recent.length > 20 && rand() < dupRate) {
      s.dups++;
      return recent[Math.floor(rand() * recent.length)];
    }
    if (s.fresh >= ids.length) s.wrapped = true;
    const n = s.fresh % ids.length;
    s.fresh++;
    const item = { id: ids[n], n, body: callbackBody(ids[n], n) };
    recent.push(item);
    if (recent.length > 500) recent.shift();
    return item;
  };
  return s;
}

function summarize(r, extra = {}) {
  const errors = r.errors + r.timeouts + r.non2xx;
  return {
    rps: r.requests.total / r.duration,
    total: r.requests.total,
    duration: r.duration,
    p50Ms: r.latency.p50,
    p90Ms: r.latency.p90,
    p99Ms: r.latency.p99,
    maxMs: r.latency.max,
    errors,
    non2xx: r.non2xx,
    socketErrors: r.errors,
    timeouts: r.timeouts,
    statusCodes: r.statusCodeStats,
    ...extra,
  };
}

function run(opts) {
  return new Promise((resolve, reject) => {
    autocannon({ timeout: 10, ...opts }, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

const jobs = {
  async callback(spec) {
    const src = callbackSource(loadIds(spec), spec.dupRate ?? 0.1, spec.seed);
    const res = await run({
      url: spec.url,
      connections: spec.connections,
      duration: spec.duration,
      headers: { 'content-type': 'application/json', [spec.authHeader]: spec.authValue },
      requests: [
        {
          method: spec.method ?? 'POST',
          path: '/v1/callbacks/onekyc',
          setupRequest: (req) => ({ ...req, body: src.next().body }),
        },
      ],
    });
    return summarize(res, { fresh: src.fresh, dups: src.dups, wrapped: src.wrapped });
  },

  async initiate(spec) {
    let n = 0;
    const res = await run({
      url: spec.url,
      connections: spec.connections,
      duration: spec.duration,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${spec.apiKey}` },
      requests: [
        {
          method: 'POST',
          path: '/v1/verifications',
          setupRequest: (req) => ({ ...req, body: initiateBody(spec.userPrefix, n++) }),
        },
      ],
    });
    return summarize(res, { sent: n });
  },

  async mixed(spec) {
    const src = callbackSource(loadIds(spec), spec.dupRate ?? 0.1, spec.seed);
    const getIds = spec.getIds ?? [];
    let n = 0;
    let g = 0;
    const res = await run({
      url: spec.url,
      connections: spec.connections,
      amount: spec.amount,
      headers: { 'content-type': 'application/json' },
      requests: [
        {
          method: 'POST',
          path: '/v1/callbacks/onekyc',
          setupRequest: (req) => ({
            ...req,
            headers: { ...req.headers, [spec.authHeader]: spec.authValue },
            body: src.next().body,
          }),
        },
        {
          method: 'POST',
          path: '/v1/verifications',
          setupRequest: (req) => ({
            ...req,
            headers: { ...req.headers, authorization: `Bearer ${spec.apiKey}` },
            body: initiateBody(spec.userPrefix, n++),
          }),
        },
        {
          method: 'GET',
          setupRequest: (req) => ({
            ...req,
            path: `/v1/verifications/${getIds[g++ % getIds.length]}`,
            headers: { authorization: `Bearer ${spec.apiKey}` },
            body: undefined,
          }),
        },
      ],
    });
    return summarize(res, { fresh: src.fresh, wrapped: src.wrapped });
  },

  /** `targets`: [{name, paths: [...]}]; each name gets `samples` timed GETs, cycling its paths. */
  async sequential(spec) {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const base = new URL(spec.url);
    const get = (path) =>
      new Promise((resolve, reject) => {
        const t0 = performance.now();
        const req = http.get(
          { host: base.hostname, port: base.port, path, agent, headers: spec.headers ?? {} },
          (res) => {
            res.resume();
            res.on('end', () => resolve({ status: res.statusCode, ms: performance.now() - t0 }));
          },
        );
        req.on('error', reject);
        req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
      });
    const out = {};
    for (const t of spec.targets) {
      for (let i = 0; i < (spec.warmup ?? 5); i++) await get(t.paths[i % t.paths.length]);
      const times = [];
      let errors = 0;
      for (let i = 0; i < spec.samples; i++) {
        const r = await get(t.paths[i % t.paths.length]);
        if (r.status !== 200) errors++;
        times.push(r.ms);
      }
      times.sort((a, b) => a - b);
      const q = (p) => times[Math.min(times.length - 1, Math.ceil(p * times.length) - 1)];
      out[t.name] = { p50Ms: q(0.5), p95Ms: q(0.95), p99Ms: q(0.99), maxMs: times[times.length - 1], errors };
    }
    agent.destroy();
    return out;
  },
};

process.once('message', async (spec) => {
  try {
    const result = await jobs[spec.job](spec);
    process.send({ ok: true, result }, () => process.exit(0));
  } catch (err) {
    process.send({ ok: false, error: String(err?.stack ?? err) }, () => process.exit(1));
  }
});
