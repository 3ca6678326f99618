// Scenario 7, soak (`npm run soak`, not in CI): SOAK_MINUTES (default 10) of mixed traffic at a
// moderate, steady rate against the built service: initiations, results by callback (some with
// duplicates, some never called back, for reconciliation), partner reads, admin lists and
// details, health and metrics scrapes. No error may occur, and memory must stay flat: the
// service's heap and RSS are sampled every 10 s and printed as a table, minute by minute.
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { createDatabase, dumpTables, sharedAdminUrl, withClient } from '../support/postgres.js';
import { REL_ADMIN_KEY, SandboxProcess, ServiceProcess } from '../support/processes.js';
import { Answer, loop, metric, percentile, send } from '../support/http.js';
import { Recorder } from '../support/results.js';
import { initiate, partner, syntheticKtp } from '../support/traffic.js';

const MINUTES = Number(process.env.SOAK_MINUTES ?? 10);
const admin = { authorization: `Bearer ${REL_ADMIN_KEY}` };

function rssMiB(pid: number): number {
  try {
    const kb = Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
    return kb / 1024;
  } catch {
    return NaN;
  }
}

describe('scenario 7: soak', () => {
  const rec = new Recorder('7-soak', '7. Soak');
  let sandbox: SandboxProcess;
  let service: ServiceProcess;
  let dbUrl: string;

  beforeAll(async () => {
    dbUrl = await createDatabase(sharedAdminUrl(), 'rel_soak');
    sandbox = await SandboxProcess.start('soak', {
      SANDBOX_CALLBACK_DUPLICATES: '2',
      SANDBOX_CALLBACK_DROP_RATE: '0.05',
    });
    service = await ServiceProcess.start('soak', {
      databaseUrl: dbUrl,
      providerUrl: sandbox.url,
      tokenUrl: sandbox.tokenUrl,
      env: {
        RECONCILE_ENABLED: 'true',
        RECONCILE_CRON: '*/5 * * * * *',
        RECONCILE_AFTER_SECONDS: '20',
        LOG_LEVEL: 'warn',
      },
    });
    await sandbox.control.updateSettings({ callbackUrl: `${service.baseUrl}/v1/callbacks/onekyc` });
  });

  afterAll(async () => {
    await service?.stop();
    await sandbox?.stop();
    if (dbUrl) await dumpTables(dbUrl, 'soak').catch(() => undefined);
  });

  it(
    `should serve ${MINUTES} minutes of mixed traffic without an error and with flat memory`,
    { timeout: (MINUTES + 5) * 60_000 },
    async () => {
      const started = Date.now();
      const end = started + MINUTES * 60_000;
      const stop = () => Date.now() >= end;
      const answers: (Answer & { kind: string })[] = [];
      const ids: string[] = [];
      const note = (kind: string, a: Answer) =>
        answers.push({ ...a, kind, body: a.status >= 500 || a.status === 0 ? a.body : '' });
      const samples: { at: number; rss: number; heap: number }[] = [];

      const traffic = Promise.all([
        // ~4 initiations/s, each completed by the sandbox (callbacks, 5 % dropped for reconciliation).
        loop(
          2,
          stop,
          async (i) => {
            const a = await initiate(service.baseUrl, 'soak');
            note('initiate', a);
            if (a.id) {
              ids.push(a.id);
              const r = await sandbox.control.complete(a.id, {
                result: i % 4 ? 'VALID' : 'INVALID',
                ktpData: syntheticKtp(500_000 + i),
              });
              answers.push({
                kind: 'callback',
                status: r.delivery.attempts[0]?.httpStatus ?? (r.delivery.sent ? 0 : 200),
                ms: 0,
                body: '',
                headers: new Headers(),
                startedAt: Date.now(),
              });
            }
          },
          500,
        ),
        // ~10 partner reads/s.
        loop(
          2,
          stop,
          async (i) => {
            const id = ids[Math.floor(Math.random() * ids.length)];
            if (!id) return;
            note(
              'read',
              i % 3
                ? await send('GET', `${service.baseUrl}/v1/verifications/${id}`, { headers: partner })
                : await send(
                    'GET',
                    `${service.baseUrl}/v1/verifications?userId=rel-soak-${process.pid}-${i}`,
                    { headers: partner },
                  ),
            );
          },
          200,
        ),
        // ~1 admin call/s.
        loop(
          1,
          stop,
          async (i) => {
            const id = ids[Math.floor(Math.random() * ids.length)];
            note(
              'admin',
              i % 2 || !id
                ? await send('GET', `${service.baseUrl}/admin/submissions?limit=50`, { headers: admin })
                : await send('GET', `${service.baseUrl}/admin/submissions/${id}`, { headers: admin }),
            );
          },
          1000,
        ),
        // Health and metrics scrapes, memory samples.
        loop(
          1,
          stop,
          async () => {
            note('health', await send('GET', `${service.baseUrl}/health/ready`));
            const heap = await metric(service.baseUrl, 'nodejs_heap_size_used_bytes');
            samples.push({
              at: Date.now(),
              rss: rssMiB(service.proc.pid),
              heap: (heap ?? NaN) / 1024 / 1024,
            });
          },
          10_000,
        ),
      ]);
      await traffic;
      await sleep(1000);

      const errors = answers.filter(
        (a) => a.status >= 500 || a.status === 0 || (a.kind === 'callback' && a.status !== 200),
      );
      const minutes = Array.from({ length: MINUTES }, (_, m) => {
        const from = started + m * 60_000;
        const inMinute = answers.filter((a) => a.startedAt >= from && a.startedAt < from + 60_000);
        const s = samples.filter((x) => x.at >= from && x.at < from + 60_000);
        const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
        return {
          minute: m + 1,
          requests: inMinute.length,
          errors: inMinute.filter((a) => errors.includes(a)).length,
          p99: percentile(
            inMinute.filter((a) => a.kind !== 'callback').map((a) => a.ms),
            99,
          ),
          rss: avg(s.map((x) => x.rss)),
          heap: avg(s.map((x) => x.heap)),
        };
      });
      const table = [
        '| minute | requests | errors | p99 (ms) | RSS (MiB) | heap used (MiB) |',
        '|---:|---:|---:|---:|---:|---:|',
        ...minutes.map(
          (m) =>
            `| ${m.minute} | ${m.requests} | ${m.errors} | ${m.p99.toFixed(0)} | ${m.rss.toFixed(0)} | ${m.heap.toFixed(1)} |`,
        ),
      ].join('\n');
      process.stdout.write(`\nSoak, minute by minute:\n${table}\n`);

      // Flat: after the first two minutes (warm-up), the last two minutes' average is within 15 %
      // (heap) and 20 % (RSS) of minutes 3-4's.
      const warm = minutes.slice(2, 4);
      const last = minutes.slice(-2);
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
      const heapGrowth = mean(last.map((m) => m.heap)) / mean(warm.map((m) => m.heap)) - 1;
      const rssGrowth = mean(last.map((m) => m.rss)) / mean(warm.map((m) => m.rss)) - 1;
      const completed = await withClient(
        dbUrl,
        async (c) =>
          (await c.query(`SELECT count(*)::int AS n FROM submissions WHERE status = 'COMPLETED'`)).rows[0]
            .n as number,
      );

      rec.set({
        load: `${MINUTES} min: ~4 initiations/s with their callbacks, ~10 reads/s, ~1 admin call/s, health and metrics`,
        faults: 'callbacks delivered twice, 5 % never sent (reconciliation)',
        inputs: answers.length,
        acknowledged: answers.filter((a) => a.status === 200 || a.status === 201).length,
        lost: 0,
      });
      rec.figure('errors (5xx, no answer, callback not 200)', errors.length);
      rec.figure('submissions completed', `${completed} / ${ids.length}`);
      rec.figure(
        'heap used, minutes 3-4 → last 2 (MiB)',
        `${mean(warm.map((m) => m.heap)).toFixed(1)} → ${mean(last.map((m) => m.heap)).toFixed(1)} (${(heapGrowth * 100).toFixed(1)} %)`,
      );
      rec.figure(
        'RSS, minutes 3-4 → last 2 (MiB)',
        `${mean(warm.map((m) => m.rss)).toFixed(0)} → ${mean(last.map((m) => m.rss)).toFixed(0)} (${(rssGrowth * 100).toFixed(1)} %)`,
      );
      for (const m of minutes)
        rec.figure(
          `minute ${m.minute}: requests / errors / p99 ms / RSS MiB / heap MiB`,
          `${m.requests} / ${m.errors} / ${m.p99.toFixed(0)} / ${m.rss.toFixed(0)} / ${m.heap.toFixed(1)}`,
        );

      expect(
        errors.map((e) => `${e.kind} ${e.status} ${e.error ?? ''} ${e.body.slice(0, 100)}`).slice(0, 5),
      ).toEqual([]);
      expect(service.alive).toBe(true);
      if (MINUTES >= 6) {
        expect(heapGrowth).toBeLessThan(0.15);
        expect(rssGrowth).toBeLessThan(0.2);
      }
    },
  );
});
