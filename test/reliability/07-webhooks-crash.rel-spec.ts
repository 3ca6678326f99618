// Scenario 7, webhooks under a crash: 300 verifications initiated and completed by provider
// callbacks (32 at once) while the partner's receiver is DOWN; the service is killed with
// `kill -9` mid-stream and restarted; then the receiver comes up. Right after the kill (service
// dead) every acknowledged completion must already have its verification.completed event and a
// pending delivery (the outbox commits with the change); in the end every event in the database
// reached the receiver at least once, signed (verified with standardwebhooks): 0 lost.
import { createServer, Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { Webhook } from 'standardwebhooks';
import { createDatabase, dumpTables, sharedAdminUrl, withClient } from './support/postgres.js';
import { freePort, REL_ADMIN_KEY, SandboxProcess, ServiceProcess } from './support/processes.js';
import { fmtCounts, json, mapLimit, send, waitUntil } from './support/http.js';
import { Recorder } from './support/results.js';
import { recordSensitive } from './support/run-dir.js';
import { initiate, syntheticKtp } from './support/traffic.js';

const TOTAL = 300;
const CONCURRENCY = 32;
const KILL_AFTER_ACKS = 100;

describe('scenario 7: webhooks through a crash with the receiver down', () => {
  const rec = new Recorder('7-webhooks-crash', '7. Webhooks through a crash');
  let sandbox: SandboxProcess;
  let service: ServiceProcess;
  let dbUrl: string;
  let receiver: Server | null = null;
  let receiverPort: number;
  const received: { id: string; body: string; headers: Record<string, string> }[] = [];

  const receiverUp = () =>
    new Promise<void>((resolve) => {
      receiver = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
          received.push({ id: headers['webhook-id'], body: Buffer.concat(chunks).toString('utf8'), headers });
          res.writeHead(204).end();
        });
      });
      receiver.listen(receiverPort, '127.0.0.1', () => resolve());
    });

  beforeAll(async () => {
    dbUrl = await createDatabase(sharedAdminUrl(), 'rel_webhooks');
    receiverPort = await freePort();
    sandbox = await SandboxProcess.start('webhooks', {
      SANDBOX_CALLBACK_RETRY_SCHEDULE_MS: '500,1000,2000,4000',
    });
    service = await ServiceProcess.start('webhooks', {
      databaseUrl: dbUrl,
      providerUrl: sandbox.url,
      tokenUrl: sandbox.tokenUrl,
      env: {
        RECONCILE_ENABLED: 'true',
        RECONCILE_CRON: '*/2 * * * * *',
        RECONCILE_AFTER_SECONDS: '20',
        WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
        WEBHOOK_POLL_INTERVAL_MS: '200',
        // The production schedule in milliseconds instead of seconds (5 ms, 30 ms, 120 ms, ...).
        WEBHOOK_RETRY_SCALE: '0.001',
      },
    });
    await sandbox.control.updateSettings({ callbackUrl: `${service.baseUrl}/v1/callbacks/onekyc` });
  });

  afterAll(async () => {
    const r = receiver as Server | null;
    if (r) {
      r.closeAllConnections();
      await new Promise((resolve) => r.close(resolve));
    }
    await service?.stop();
    await sandbox?.stop();
    if (dbUrl) await dumpTables(dbUrl, 'webhooks').catch(() => undefined);
  });

  it('should deliver every event at least once, signed, after a kill -9 with the receiver down', async () => {
    const created = await send('POST', `${service.baseUrl}/admin/webhook-endpoints`, {
      headers: { authorization: `Bearer ${REL_ADMIN_KEY}` },
      body: { url: `http://127.0.0.1:${receiverPort}/webhooks` },
    });
    expect(created.status).toBe(201);
    const secret: string = json(created).secret;
    recordSensitive('key', secret);

    const ids: string[] = [];
    await mapLimit(Array.from({ length: TOTAL }), 16, async () => {
      const a = await initiate(service.baseUrl, 'webhooks', 20_000);
      if (a.id) ids.push(a.id);
    });
    expect(ids).toHaveLength(TOTAL);

    const acked: string[] = [];
    let next = 0;
    let paused = false;
    let inFlight = 0;
    const worker = async () => {
      for (;;) {
        while (paused) await sleep(20);
        const n = next++;
        if (n >= TOTAL) return;
        inFlight++;
        try {
          const res = await sandbox.control.complete(ids[n], {
            result: 'VALID',
            ktpData: syntheticKtp(1000 + n),
          });
          if (res.delivery.attempts[0]?.httpStatus === 200) acked.push(ids[n]);
        } finally {
          inFlight--;
        }
      }
    };
    const workers = Promise.all(Array.from({ length: CONCURRENCY }, worker));
    await waitUntil(async () => acked.length >= KILL_AFTER_ACKS, 300_000, 10);
    await service.kill9();
    paused = true;
    await waitUntil(async () => inFlight === 0, 30_000, 10);

    // Service dead: every acknowledged completion already has its event and its delivery.
    const withoutEvent = await withClient(dbUrl, async (c) => {
      const rows = (
        await c.query(
          `SELECT s.id FROM submissions s
           WHERE s.id = ANY($1) AND NOT EXISTS (
             SELECT 1 FROM webhook_events e JOIN webhook_deliveries d ON d.event_id = e.id
             WHERE e.submission_id = s.id AND e.type = 'verification.completed')`,
          [acked],
        )
      ).rows as { id: string }[];
      return rows.map((r) => r.id);
    });
    const ackedAtKill = acked.length;

    const restartMs = await service.launch();
    paused = false;
    await workers;
    await sandbox.control.waitForCallbacksIdle(60_000);
    const allCompleted = await waitUntil(
      () =>
        withClient(dbUrl, async (c) => {
          const n = (
            await c.query(
              `SELECT count(*)::int AS n FROM submissions WHERE id = ANY($1) AND status = 'COMPLETED'`,
              [ids],
            )
          ).rows[0].n as number;
          return n === TOTAL ? n : undefined;
        }),
      120_000,
      1000,
    );
    const receivedWhileDown = received.length;
    const upAt = Date.now();
    await receiverUp();

    const events = async () =>
      withClient(
        dbUrl,
        async (c) =>
          (await c.query(`SELECT id, type, submission_id FROM webhook_events`)).rows as {
            id: string;
            type: string;
            submission_id: string;
          }[],
      );
    const delivered = await waitUntil(
      async () => {
        const all = await events();
        const seen = new Set(received.map((r) => r.id));
        return all.length > 0 && all.every((e) => seen.has(e.id)) ? all : undefined;
      },
      180_000,
      500,
    );
    const allUpMs = Date.now() - upAt;
    const finalEvents = delivered ?? (await events());
    const seen = new Set(received.map((r) => r.id));
    const lost = finalEvents.filter((e) => !seen.has(e.id));
    const wh = new Webhook(secret);
    let badSignatures = 0;
    for (const r of received) {
      try {
        wh.verify(r.body, r.headers);
      } catch {
        badSignatures++;
      }
    }
    const completedFor = new Set(
      finalEvents.filter((e) => e.type === 'verification.completed').map((e) => e.submission_id),
    );
    const deliveryStates = await withClient(
      dbUrl,
      async (c) =>
        Object.fromEntries(
          (
            await c.query(`SELECT status, count(*)::int AS n FROM webhook_deliveries GROUP BY status`)
          ).rows.map((r: { status: string; n: number }) => [r.status, r.n]),
        ) as Record<string, number>,
    );

    rec.set({
      load: `${TOTAL} verifications initiated, then completed by callback ${CONCURRENCY} at once; one endpoint subscribed to all events`,
      faults: `receiver down until every verification completed; kill -9 after ${KILL_AFTER_ACKS} acknowledged callbacks, restart`,
      inputs: finalEvents.length,
      acknowledged: new Set(received.map((r) => r.id)).size,
      lost: lost.length + withoutEvent.length,
    });
    rec.figure('callbacks acknowledged before the kill', ackedAtKill);
    rec.figure('of those, without a completed event and delivery right after the kill', withoutEvent.length);
    rec.figure('restart to ready (ms)', restartMs);
    rec.figure('events in the database', `${finalEvents.length} (${fmtCounts(countTypes(finalEvents))})`);
    rec.figure('requests received while the receiver was down', receivedWhileDown);
    rec.figure('receiver up to every event received (ms)', allUpMs);
    rec.figure('requests received / distinct event ids', `${received.length} / ${seen.size}`);
    rec.figure('bad signatures', badSignatures);
    rec.figure('deliveries by status', fmtCounts(deliveryStates));

    expect(ackedAtKill).toBeGreaterThanOrEqual(KILL_AFTER_ACKS);
    expect(withoutEvent).toEqual([]);
    expect(allCompleted).toBe(TOTAL);
    expect(receivedWhileDown).toBe(0);
    expect(lost).toEqual([]);
    expect(ids.filter((id) => !completedFor.has(id))).toEqual([]);
    expect(badSignatures).toBe(0);
  });
});

function countTypes(events: { type: string }[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of events) out[e.type] = (out[e.type] ?? 0) + 1;
  return out;
}
