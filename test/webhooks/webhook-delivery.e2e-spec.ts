// Partner webhooks end to end: the real app on PostgreSQL delivering to real HTTP receivers on
// 127.0.0.1, each delivery verified with the partner's library (standardwebhooks). Retries run
// on a shrunken schedule (WEBHOOK_RETRY_SCALE) so days of backoff take milliseconds.
import { DataSource } from 'typeorm';
import { SubmissionsRepository } from '../../src/submissions/submissions.repository.js';
import { initiatedSubmission, metricValue } from '../callbacks/callback-helpers.js';
import { startTestApp, TEST_API_KEY, TestApp } from '../support/app.js';
import { bearer, json } from '../support/http.js';
import { adminClient, emitChange, Receiver, waitFor } from './webhook-helpers.js';

const env = {
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
  WEBHOOK_TIMEOUT_MS: '2000',
  WEBHOOK_POLL_INTERVAL_MS: '50',
  WEBHOOK_RETRY_SCALE: '0.001',
};

describe('Partner webhooks: delivery to real receivers', () => {
  let t: TestApp;
  let admin: ReturnType<typeof adminClient>;
  let ds: DataSource;
  const receivers: Receiver[] = [];
  const receiver = async (port = 0) => {
    const r = await new Receiver().start(port);
    receivers.push(r);
    return r;
  };
  const endpoint = async (url: string, extra: Record<string, unknown> = {}) => {
    const res = await admin.createEndpoint({ url, ...extra });
    expect(res.status).toBe(201);
    return res.body as { id: string; secret: string };
  };

  beforeAll(async () => {
    t = await startTestApp(env);
    admin = adminClient(t.baseUrl);
    ds = t.app.get(DataSource);
  });
  afterAll(async () => {
    await Promise.all(receivers.map((r) => r.stop()));
    await t?.close();
  });

  it('should create an endpoint with a whsec_ secret shown once, and list it without the secret', async () => {
    const r = await receiver();
    const res = await admin.createEndpoint({ url: r.url, description: 'partner' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ url: r.url, events: [], enabled: true });
    expect(res.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(typeof res.body.createdAt).toBe('string');
    const list = await admin.call('GET', '/admin/webhook-endpoints');
    const listed = list.body.data.find((e: any) => e.id === res.body.id);
    expect(listed).toMatchObject({ id: res.body.id, url: r.url });
    expect(JSON.stringify(list.body)).not.toContain(res.body.secret);
    const stored: { secret_enc: string }[] = await ds.query(
      `SELECT secret_enc FROM webhook_endpoints WHERE id = $1`,
      [res.body.id],
    );
    expect(stored[0].secret_enc).not.toContain(res.body.secret.slice(6, 20));
  });

  it('should deliver a signed webhook.test that standardwebhooks verifies, and log it as SUCCEEDED', async () => {
    const r = await receiver();
    const ep = await endpoint(r.url);
    const sent = await admin.call('POST', `/admin/webhook-endpoints/${ep.id}/test`);
    expect(sent.status).toBe(202);
    await waitFor(() => r.received.length === 1);
    const [event] = r.verified(ep.secret);
    expect(event).toMatchObject({ type: 'webhook.test', id: sent.body.eventId, data: { endpointId: ep.id } });
    expect(r.received[0].headers['webhook-id']).toBe(sent.body.eventId);
    expect(r.received[0].headers['content-type']).toBe('application/json');
    const [d] = await waitFor(async () => {
      const rows = await admin.deliveries({ endpointId: ep.id });
      return rows[0]?.status === 'SUCCEEDED' && rows;
    });
    expect(d).toMatchObject({ eventType: 'webhook.test', lastStatusCode: 204, lastError: null });
    expect(d.attempts).toBeGreaterThanOrEqual(1);
    expect(d.deliveredAt).not.toBeNull();
    expect(await metricValue(t, 'onekyc_webhook_attempts_total{outcome="success"}')).toBeGreaterThanOrEqual(
      1,
    );
  });

  it('should retry after a 500 with the same webhook-id and body until a 2xx', async () => {
    const r = await receiver();
    r.respond = (_q, res, n) => res.writeHead(n <= 2 ? 500 : 200).end('ok');
    const ep = await endpoint(r.url);
    await admin.call('POST', `/admin/webhook-endpoints/${ep.id}/test`);
    await waitFor(() => r.received.length === 3);
    const ids = new Set(r.received.map((x) => x.headers['webhook-id']));
    expect(ids.size).toBe(1);
    expect(new Set(r.received.map((x) => x.body)).size).toBe(1);
    expect(r.verified(ep.secret)).toHaveLength(3);
    const [d] = await waitFor(async () => {
      const rows = await admin.deliveries({ endpointId: ep.id });
      return rows[0]?.status === 'SUCCEEDED' && rows;
    });
    expect(d.attempts).toBe(3);
    expect(d.lastStatusCode).toBe(200);
  });

  it('should treat no answer within WEBHOOK_TIMEOUT_MS as a failure and retry', async () => {
    const r = await receiver();
    r.respond = (_q, res, n) => {
      if (n === 1) setTimeout(() => res.writeHead(200).end(), 5000);
      else res.writeHead(200).end();
    };
    const ep = await endpoint(r.url);
    await admin.call('POST', `/admin/webhook-endpoints/${ep.id}/test`);
    const [d] = await waitFor(async () => {
      const rows = await admin.deliveries({ endpointId: ep.id });
      return rows[0]?.status === 'SUCCEEDED' && rows;
    });
    expect(d.attempts).toBe(2);
    expect(r.received.map((x) => x.headers['webhook-id'])).toEqual([d.eventId, d.eventId]);
  });

  it('should retry after a refused connection and deliver once the receiver is up', async () => {
    const probe = await new Receiver().start();
    const port = probe.port;
    await probe.stop();
    const ep = await endpoint(`http://127.0.0.1:${port}/hooks`);
    await admin.call('POST', `/admin/webhook-endpoints/${ep.id}/test`);
    const failed = await waitFor(async () => {
      const rows = await admin.deliveries({ endpointId: ep.id });
      return rows[0]?.lastError === 'connection refused' && rows[0];
    });
    expect(failed.status).toBe('PENDING');
    const r = await receiver(port);
    await waitFor(() => r.received.length >= 1);
    expect(r.verified(ep.secret)[0].id).toBe(failed.eventId);
  });

  it('should not follow a redirect: a 3xx is a failed attempt', async () => {
    const target = await receiver();
    const r = await receiver();
    r.respond = (_q, res, n) =>
      n === 1 ? res.writeHead(302, { location: target.url }).end() : res.writeHead(200).end();
    const ep = await endpoint(r.url);
    await admin.call('POST', `/admin/webhook-endpoints/${ep.id}/test`);
    await waitFor(() => r.received.length === 2);
    expect(target.received).toHaveLength(0);
    const d = (await admin.deliveries({ endpointId: ep.id }))[0];
    expect(d.attempts).toBe(2);
  });

  it('should honour event filters and disabled endpoints for verification events', async () => {
    const all = await receiver();
    const completedOnly = await receiver();
    const disabled = await receiver();
    const epAll = await endpoint(all.url);
    const epCompleted = await endpoint(completedOnly.url, { events: ['verification.completed'] });
    const epDisabled = await endpoint(disabled.url);
    const off = await admin.call('PATCH', `/admin/webhook-endpoints/${epDisabled.id}`, { enabled: false });
    expect(off.body).toMatchObject({ enabled: false });

    // The store's own insert is verification.created; the harness adds the completion.
    const id = await initiatedSubmission(t.app.get(SubmissionsRepository));
    await emitChange(
      ds,
      id,
      'completed',
      `status = 'COMPLETED', result = 'VALID', completed_at = now(), version = s.version + 1`,
    );
    const distinct = (r: Receiver) => new Set(r.received.map((x) => x.headers['webhook-id'])).size;
    await waitFor(() => distinct(all) === 2 && distinct(completedOnly) === 1);
    await new Promise((r) => setTimeout(r, 300));
    expect(
      all
        .verified(epAll.secret)
        .map((e) => e.type)
        .sort(),
    ).toEqual(['verification.completed', 'verification.created']);
    expect(new Set(completedOnly.verified(epCompleted.secret).map((e) => e.type))).toEqual(
      new Set(['verification.completed']),
    );
    expect(disabled.received).toHaveLength(0);
    expect(await admin.deliveries({ endpointId: epDisabled.id })).toEqual([]);
  });

  it('should sign with both secrets for 24 h after a rotation, each signature verifying', async () => {
    const r = await receiver();
    const ep = await endpoint(r.url);
    const rotated = await admin.call('POST', `/admin/webhook-endpoints/${ep.id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(ep.secret);
    const expires = Date.parse(rotated.body.previousSecretExpiresAt) - Date.now();
    expect(expires).toBeGreaterThan(23.9 * 3600_000);
    expect(expires).toBeLessThanOrEqual(24 * 3600_000);
    await admin.call('POST', `/admin/webhook-endpoints/${ep.id}/test`);
    await waitFor(() => r.received.length === 1);
    const sigs = r.received[0].headers['webhook-signature'].split(' ');
    expect(sigs).toHaveLength(2);
    expect(sigs.every((s) => s.startsWith('v1,'))).toBe(true);
    expect(r.verified(rotated.body.secret)).toHaveLength(1);
    expect(r.verified(ep.secret)).toHaveLength(1);
  });

  it('should replay a period with the same event ids, and retry a delivery by hand', async () => {
    const r = await receiver();
    const ep = await endpoint(r.url, { events: ['verification.updated'] });
    const since = new Date(Date.now() - 1000).toISOString();
    const id = await initiatedSubmission(t.app.get(SubmissionsRepository));
    await emitChange(ds, id, 'updated', `status = 'IN_PROGRESS', version = s.version + 1`);
    await waitFor(() => r.received.length === 1);
    const firstId = r.received[0].headers['webhook-id'];

    const replay = await admin.call('POST', `/admin/webhook-endpoints/${ep.id}/replay`, { since });
    expect(replay).toMatchObject({ status: 202, body: { deliveries: 1 } });
    await waitFor(() => r.received.length === 2);
    expect(r.received[1].headers['webhook-id']).toBe(firstId);

    const [d] = await waitFor(async () => {
      const rows = await admin.deliveries({ endpointId: ep.id, verificationId: id });
      return rows[0]?.status === 'SUCCEEDED' && rows;
    });
    const retried = await admin.call('POST', `/admin/webhook-deliveries/${d.id}/retry`);
    expect(retried.status).toBe(202);
    await waitFor(() => r.received.length === 3);
    expect(r.received[2].headers['webhook-id']).toBe(firstId);
    expect(r.verified(ep.secret).map((e) => e.data.verification.id)).toEqual([id, id, id]);
  });

  it('should mark a delivery FAILED after its last attempt, and send it again on a manual retry', async () => {
    const r = await receiver();
    r.respond = (_q, res) => res.writeHead(503).end('down');
    const ep = await endpoint(r.url);
    await admin.call('POST', `/admin/webhook-endpoints/${ep.id}/test`);
    const first = await waitFor(
      async () => (await admin.deliveries({ endpointId: ep.id }))[0]?.attempts >= 1 && r.received.length >= 1,
    );
    expect(first).toBe(true);
    // Fast-forward the schedule to its last retry (the schedule itself has its unit spec), at a
    // moment no attempt holds the row.
    await waitFor(async () => {
      const res: [unknown[], number] = await ds.query(
        `UPDATE webhook_deliveries SET attempts = 12, next_attempt_at = now()
         WHERE endpoint_id = $1 AND status = 'PENDING' AND (locked_until IS NULL OR locked_until < now())`,
        [ep.id],
      );
      return res[1] === 1;
    });
    const failed = await waitFor(async () => {
      const rows = await admin.deliveries({ endpointId: ep.id, status: 'FAILED' });
      return rows[0];
    });
    expect(failed).toMatchObject({
      attempts: 13,
      lastStatusCode: 503,
      lastError: 'HTTP 503',
      nextAttemptAt: null,
    });
    expect(r.received.length).toBeGreaterThanOrEqual(2);
    r.respond = (_q, res) => res.writeHead(200).end();
    await admin.call('POST', `/admin/webhook-deliveries/${failed.id}/retry`);
    const done = await waitFor(async () => {
      const rows = await admin.deliveries({ endpointId: ep.id });
      return rows[0]?.status === 'SUCCEEDED' && rows[0];
    });
    expect(done.attempts).toBe(14);
  });

  it('should disable an endpoint that had no success for 5 days, and count it', async () => {
    const r = await receiver();
    r.respond = (_q, res) => res.writeHead(500).end();
    const ep = await endpoint(r.url);
    await ds.query(
      `UPDATE webhook_endpoints SET failing_since = now() - interval '5 days 1 minute' WHERE id = $1`,
      [ep.id],
    );
    const before = await metricValue(t, 'onekyc_webhook_endpoints_disabled_total');
    await admin.call('POST', `/admin/webhook-endpoints/${ep.id}/test`);
    const disabled = await waitFor(async () => {
      const list = await admin.call('GET', '/admin/webhook-endpoints');
      const e = list.body.data.find((x: any) => x.id === ep.id);
      return e && !e.enabled && e;
    });
    expect(disabled.disabledReason).toMatch(/5 days/);
    expect(await metricValue(t, 'onekyc_webhook_endpoints_disabled_total')).toBe(before + 1);
  });

  it('should page the delivery log with a cursor and answer 400/404 naming what is wrong', async () => {
    const r = await receiver();
    const ep = await endpoint(r.url);
    for (let i = 0; i < 3; i++) await admin.call('POST', `/admin/webhook-endpoints/${ep.id}/test`);
    const page1 = await admin.call('GET', `/admin/webhook-deliveries?endpointId=${ep.id}&limit=2`);
    expect(page1.body.data).toHaveLength(2);
    const page2 = await admin.call(
      'GET',
      `/admin/webhook-deliveries?endpointId=${ep.id}&limit=2&cursor=${encodeURIComponent(page1.body.nextCursor)}`,
    );
    expect(page2.body.data).toHaveLength(1);
    expect(page2.body.nextCursor).toBeNull();
    const ids = [...page1.body.data, ...page2.body.data].map((d: any) => d.id);
    expect(new Set(ids).size).toBe(3);

    const bad = await admin.call('GET', `/admin/webhook-deliveries?status=LOST`);
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('status');
    const badCreate = await admin.createEndpoint({ url: r.url, events: ['verification.nope'] });
    expect(badCreate.status).toBe(400);
    expect(badCreate.body.errors.map((e: any) => e.field)).toContain('events');
    const unknown = await admin.call(
      'PATCH',
      `/admin/webhook-endpoints/00000000-0000-4000-8000-000000000000`,
      {
        enabled: true,
      },
    );
    expect(unknown.status).toBe(404);
    expect((await admin.call('POST', `/admin/webhook-deliveries/999999999/retry`)).status).toBe(404);
    expect((await admin.call('DELETE', `/admin/webhook-endpoints/${ep.id}`)).status).toBe(204);
    expect((await admin.call('DELETE', `/admin/webhook-endpoints/${ep.id}`)).status).toBe(404);
    const noKey = await fetch(`${t.baseUrl}/admin/webhook-endpoints`, { headers: bearer(TEST_API_KEY) });
    expect(noKey.status).toBe(401);
    expect((await json(noKey)).status).toBe(401);
  });
});
