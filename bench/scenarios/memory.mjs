// memory: a fresh service takes mixed traffic (a third each: completion callbacks for pre-created
// submissions, initiations, GET /v1/verifications/:id) at 16 connections: RSS after the first
// 10,000 requests and after 100,000, each read after a full garbage collection forced through the
// inspector (the service runs with --inspect on 127.0.0.1 for this): between collections RSS
// follows V8's heap sizing, a sawtooth of tens of MiB under this load, so only memory
// still held after a full GC says anything about a leak. The peak is VmHWM of every service
// process of the whole run, sampled every 200 ms, under start:prod's Node flags (the heap budget).
import { setTimeout as sleep } from 'node:timers/promises';
import { insertPendingSubmissions } from '../lib/data.mjs';
import { readRss } from '../lib/procs.mjs';
import { KEYS } from '../lib/stack.mjs';
import { round1 } from './callback-ingest.mjs';

const IDLE_MS = 2_000;

export async function memory(stack, { quick, log }) {
  const first = quick ? 2_000 : 10_000;
  const total = quick ? 20_000 : 100_000;
  await stack.resetData();
  await stack.sandbox.control.reset();
  const ids = await insertPendingSubmissions(stack, Math.ceil(total / 3) + 1000);
  const idsFile = stack.writeTmp('memory-ids.json', ids);
  const service = await stack.startService({
    sandboxUrl: stack.sandbox.url,
    env: { ONEKYC_MAX_RPS: '10000', EVIDENCE_CONCURRENCY: '0' }, // the archive: evidence scenario
    inspect: true,
  });
  const settled = async () => {
    await sleep(IDLE_MS);
    await stack.forceGc(service);
    await sleep(500);
    return readRss(service.pid).rssMiB;
  };
  const afterStart = readRss(service.pid).rssMiB;
  const spec = (from, amount, seed) => ({
    job: 'mixed',
    url: service.url,
    connections: 16,
    amount,
    idsFile,
    from,
    getIds: ids.slice(0, 5000),
    dupRate: 0.1,
    seed,
    authHeader: KEYS.callbackHeader,
    authValue: KEYS.callbackValue,
    apiKey: KEYS.api,
    userPrefix: `mem-${seed}`,
  });
  const a = await stack.load(spec(0, first, 1));
  const rss10k = await settled();
  const b = await stack.load(spec(a.fresh, total - first, 2));
  const rss100k = await settled();
  await service.stop();
  const errors = a.errors + b.errors;
  log(
    `  RSS after start ${afterStart.toFixed(1)} MiB, after ${first} requests ${rss10k.toFixed(1)} MiB, after ${total} ${rss100k.toFixed(1)} MiB; ` +
      `${round1(b.rps)} req/s, p99 ${b.p99Ms} ms, errors ${errors}${errors ? ` ${JSON.stringify(b.statusCodes)}` : ''}`,
  );
  const growth = rss100k - rss10k;
  return {
    // peakRssMiB is filled in by run.mjs at the end (the peak over every service process).
    json: { peakRssMiB: null, rssAfter10kMiB: round1(rss10k), rssAfter100kMiB: round1(rss100k) },
    rows: [
      {
        scenario: `memory ${first / 1000}k→${total / 1000}k`,
        service: `${round1(rss10k)} → ${round1(rss100k)} MiB`,
        baseline: '',
        ratio: round1(rss100k / rss10k),
        p50: `${b.p50Ms} ms`,
        p99: `${b.p99Ms} ms`,
        errors: String(errors),
      },
    ],
    checks: [
      // "No growth": within 10% (RSS moves with V8's heap sizing; a leak of 90k requests is far more).
      [`memory: no growth 10k→100k (${growth >= 0 ? '+' : ''}${round1(growth)} MiB)`, rss100k <= rss10k * 1.1],
    ],
  };
}
