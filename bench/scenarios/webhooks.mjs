// webhooks: (1) delivery throughput: N deliveries made due at once (events and deliveries
// inserted in SQL, as the outbox writes them) to a fast local receiver (answers 204 at once);
// deliveries per second until every one is SUCCEEDED, and the receiver saw each event id.
// (2) the outbox's cost on callback ingestion: the callback load at 16 connections with one
// enabled endpoint subscribed to everything versus none (the endpoint disabled), rounds
// alternating. Event rows are written in both cases (they are kept for replay); "subscribed"
// adds the delivery row per change and the delivery work itself, on the same machine.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { insertPendingSubmissions } from '../lib/data.mjs';
import { KEYS } from '../lib/stack.mjs';

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const round1 = (x) => Math.round(x * 10) / 10;
const round3 = (x) => Math.round(x * 1000) / 1000;

async function startReceiver() {
  const seen = new Set();
  let requests = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      requests++;
      seen.add(req.headers['webhook-id']);
      res.writeHead(204).end();
    });
  });
  server.keepAliveTimeout = 10_000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/hooks`,
    seen,
    requests: () => requests,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

async function admin(service, method, path, body) {
  const res = await fetch(service.url + path, {
    method,
    headers: { authorization: `Bearer ${KEYS.admin}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

export async function webhooks(stack, { quick, rounds, log }) {
  const deliveries = quick ? 2000 : 20_000;
  const seconds = quick ? 4 : 15;
  await stack.resetData();
  const receiver = await startReceiver();
  const service = await stack.startService({
    sandboxUrl: stack.sandbox.url,
    env: { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', WEBHOOK_POLL_INTERVAL_MS: '200', EVIDENCE_CONCURRENCY: '0' },
  });
  try {
    const ep = await admin(service, 'POST', '/admin/webhook-endpoints', { url: receiver.url });

    // (1) Delivery throughput.
    const body = (id) =>
      JSON.stringify({
        id,
        type: 'verification.completed',
        createdAt: new Date().toISOString(),
        data: {
          verification: {
            id: randomUUID(),
            userId: 'bench-user',
            userIdType: 'USER_ID',
            source: 'SDK',
            status: 'COMPLETED',
            result: 'VALID',
            reasonCode: null,
            verificationResult: { nik: 'PASS', name: 'PASS', dateOfBirth: 'PASS', selfie: 'PASS' },
            warnings: [],
            version: 3,
            createdAt: new Date().toISOString(),
            updatedAt: new Date().toISOString(),
            completedAt: new Date().toISOString(),
          },
        },
      });
    const ids = Array.from({ length: deliveries }, () => randomUUID());
    const t0 = performance.now();
    for (let i = 0; i < ids.length; i += 5000) {
      const slice = ids.slice(i, i + 5000);
      await stack.sql(
        `WITH ev AS (
           INSERT INTO webhook_events (id, type, payload)
           SELECT x.id, 'verification.completed', x.body::json FROM unnest($1::uuid[], $2::text[]) AS x(id, body)
           RETURNING id, type
         )
         INSERT INTO webhook_deliveries (endpoint_id, event_id, event_type, next_attempt_at)
         SELECT $3, ev.id, ev.type, now() FROM ev`,
        [slice, slice.map(body), ep.id],
      );
    }
    let done = 0;
    const deadline = Date.now() + (quick ? 120_000 : 600_000);
    while (Date.now() < deadline) {
      done = (
        await stack.sql(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE status = 'SUCCEEDED'`)
      )[0].n;
      if (done >= deliveries) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const elapsed = (performance.now() - t0) / 1000;
    const perSecond = done / elapsed;
    const missing = ids.filter((id) => !receiver.seen.has(id)).length;
    log(
      `  delivered ${done}/${deliveries} in ${elapsed.toFixed(1)} s: ${perSecond.toFixed(0)}/s; ${missing} event ids never received; ${receiver.requests()} requests`,
    );

    // (2) Callback ingestion, subscribed vs none.
    let pool = [];
    let next = 0;
    const drive = async (runSeconds, seed) => {
      const need = 7000 * runSeconds;
      if (pool.length - next < need) {
        pool = pool.slice(next).concat(await insertPendingSubmissions(stack, need));
        next = 0;
      }
      const file = stack.writeTmp('webhook-callback-ids.json', pool.slice(next, next + need));
      const r = await stack.measured(service, {
        job: 'callback',
        url: service.url,
        connections: 16,
        duration: runSeconds,
        idsFile: file,
        dupRate: 0.1,
        seed,
        authHeader: KEYS.callbackHeader,
        authValue: KEYS.callbackValue,
      });
      next += Math.min(r.fresh, need);
      return r;
    };
    const runs = { subscribed: [], none: [] };
    let seed = 100;
    const set = (enabled) => admin(service, 'PATCH', `/admin/webhook-endpoints/${ep.id}`, { enabled });
    await set(true);
    await drive(quick ? 1 : 5, seed++);
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? ['subscribed', 'none'] : ['none', 'subscribed'];
      for (const mode of order) {
        await set(mode === 'subscribed');
        const r = await drive(seconds, seed++);
        runs[mode].push(r);
        log(
          `  callbacks ${mode.padEnd(10)} round ${round + 1}: ${r.rps.toFixed(0)} req/s, p99 ${r.p99Ms} ms, errors ${r.errors}; CPU/req ${r.cpuMsPerReq.toFixed(3)} ms`,
        );
      }
    }
    await set(true);
    const json = {
      deliveries,
      delivered: done,
      deliveriesPerSecond: round1(perSecond),
      missingEventIds: missing,
      callbackRpsSubscribed: round1(mean(runs.subscribed.map((r) => r.rps))),
      callbackRpsNone: round1(mean(runs.none.map((r) => r.rps))),
      callbackP99MsSubscribed: round1(mean(runs.subscribed.map((r) => r.p99Ms))),
      callbackP99MsNone: round1(mean(runs.none.map((r) => r.p99Ms))),
      errors: [...runs.subscribed, ...runs.none].reduce((n, r) => n + r.errors, 0),
    };
    json.outboxRatio = round3(json.callbackRpsSubscribed / json.callbackRpsNone);
    const rows = [
      {
        scenario: 'webhooks delivery',
        service: `${json.deliveriesPerSecond} deliveries/s`,
        baseline: '',
        ratio: '',
        p50: '',
        p99: '',
        errors: `${missing} missing`,
      },
      {
        scenario: 'webhooks callback subscribed/none',
        service: `${json.callbackRpsSubscribed} req/s`,
        baseline: `${json.callbackRpsNone} req/s`,
        ratio: json.outboxRatio,
        p50: '',
        p99: `${json.callbackP99MsSubscribed} / ${json.callbackP99MsNone} ms`,
        errors: String(json.errors),
      },
    ];
    const checks = [
      [
        `webhooks: every delivery SUCCEEDED and received (${done}/${deliveries}, ${missing} missing)`,
        done === deliveries && missing === 0,
      ],
      [
        `webhooks: callback throughput with an endpoint ≥ 0.9 of none (${json.outboxRatio})`,
        json.outboxRatio >= 0.9,
      ],
      [`webhooks: 0 callback errors (${json.errors})`, json.errors === 0],
    ];
    return { json, rows, checks };
  } finally {
    await service.stop();
    await receiver.close();
  }
}
