// evidence: the archive under load. N verifications started over the API, then completed by the
// sandbox with a callback each as fast as 16 concurrent completions go; every result carries
// three image URLs the sandbox serves (200 KiB each: a JPEG padded to a realistic photo size).
// Measured with the deployed defaults (EVIDENCE_CONCURRENCY 4, EVIDENCE_POLL_INTERVAL_MS 1000):
// images archived per second (from the first queued to the last archived), and the lag from
// the callback's commit (the row is queued in the same statement) to each image's archive.
import { join } from 'node:path';
import { KEYS } from '../lib/stack.mjs';

const round1 = (x) => Math.round(x * 10) / 10;
const IMAGE_BYTES = 200 * 1024;

async function pool(items, concurrency, fn) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

export async function evidence(stack, { quick, log }) {
  const verifications = quick ? 20 : 400;
  await stack.resetData();
  const service = await stack.startService({
    sandboxUrl: stack.sandbox.url,
    env: { EVIDENCE_DIR: join(stack.tmp, 'evidence') },
  });
  const control = stack.sandbox.control;
  try {
    await control.updateSettings({ callbackUrl: `${service.url}/v1/callbacks/onekyc` });
    await control.setFaults({ images: { body: 'oversize', oversizeBytes: IMAGE_BYTES } });
    const ids = [];
    await pool(Array.from({ length: verifications }, (_, i) => i), 16, async (i) => {
      const res = await fetch(`${service.url}/v1/verifications`, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEYS.api}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          userId: `bench-evidence-${i}`,
          email: `bench-evidence-${i}@example.test`,
          verification: { isVerified: true, verificationReferenceId: `otp-${i}` },
        }),
      });
      if (res.status !== 201) throw new Error(`POST /v1/verifications: ${res.status} ${await res.text()}`);
      ids.push((await res.json()).id);
    });
    const t0 = performance.now();
    await pool(ids, 16, (id) => control.complete(id, { result: 'VALID' }));
    const callbacksSeconds = (performance.now() - t0) / 1000;
    const images = verifications * 3;
    const deadline = Date.now() + (quick ? 120_000 : 900_000);
    let settled = [];
    while (Date.now() < deadline) {
      settled = await stack.sql(`SELECT status, count(*)::int AS n FROM evidence_objects WHERE status <> 'PENDING' GROUP BY status`);
      if (settled.reduce((n, r) => n + r.n, 0) >= images) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const [m] = await stack.sql(
      `SELECT count(*) FILTER (WHERE status = 'ARCHIVED')::int AS archived,
              extract(epoch FROM max(archived_at) - min(created_at))::float8 AS span,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM archived_at - created_at)) AS p50,
              percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM archived_at - created_at)) AS p99,
              max(extract(epoch FROM archived_at - created_at))::float8 AS max
       FROM evidence_objects`,
    );
    const perSecond = m.archived / Math.max(m.span ?? 0, 0.001);
    const notArchived = settled.filter((r) => r.status !== 'ARCHIVED').reduce((n, r) => n + r.n, 0);
    log(
      `  ${m.archived}/${images} images archived (${notArchived} not) in ${round1(m.span ?? 0)} s: ${perSecond.toFixed(1)} images/s; ` +
        `callback→archive lag p50 ${(m.p50 ?? 0).toFixed(2)} s, p99 ${(m.p99 ?? 0).toFixed(2)} s, max ${(m.max ?? 0).toFixed(2)} s; ` +
        `callbacks took ${callbacksSeconds.toFixed(1)} s`,
    );
    const json = {
      verifications,
      images,
      imageBytes: IMAGE_BYTES,
      archived: m.archived,
      notArchived,
      imagesPerSecond: round1(perSecond),
      lagP50Seconds: round1(m.p50 ?? 0),
      lagP99Seconds: round1(m.p99 ?? 0),
      lagMaxSeconds: round1(m.max ?? 0),
      callbacksSeconds: round1(callbacksSeconds),
    };
    const rows = [
      {
        scenario: 'evidence archive',
        service: `${json.imagesPerSecond} images/s`,
        baseline: '',
        ratio: '',
        p50: `${json.lagP50Seconds} s lag`,
        p99: `${json.lagP99Seconds} s lag`,
        errors: `${notArchived} not archived`,
      },
    ];
    const checks = [
      [`evidence: every image archived (${m.archived}/${images})`, m.archived === images],
      [`evidence: callback→archive lag p99 < 60 s (${json.lagP99Seconds} s)`, json.lagP99Seconds < 60],
    ];
    return { json, rows, checks };
  } finally {
    await control.resetFaults().catch(() => undefined);
    await service.stop();
  }
}
