// Partner webhooks, SSRF defence with WEBHOOK_ALLOW_PRIVATE_NETWORKS=false (the production
// default): URLs are refused when saved (plain http, private IP literals, names resolving to
// private addresses), and again when a delivery connects: a name that resolved to a public
// address when saved and resolves to 127.0.0.1 later (DNS rebinding) is never connected to.
// The test plays the DNS server through the sender's resolver.
import { LookupAddress } from 'node:dns';
import { WebhookSender } from '../../src/webhooks/webhook-sender.js';
import { startTestApp, TestApp } from '../support/app.js';
import { adminClient, Receiver, waitFor } from './webhook-helpers.js';

describe('Partner webhooks: SSRF refusals', () => {
  let t: TestApp;
  let admin: ReturnType<typeof adminClient>;
  let receiver: Receiver;
  const dns = new Map<string, string[]>();
  const lookups: string[] = [];

  beforeAll(async () => {
    t = await startTestApp({ WEBHOOK_POLL_INTERVAL_MS: '50', WEBHOOK_TIMEOUT_MS: '1000' });
    admin = adminClient(t.baseUrl);
    receiver = await new Receiver().start();
    t.app.get(WebhookSender).resolver = (host, cb) => {
      lookups.push(host);
      const answers = dns.get(host);
      if (!answers) return cb(Object.assign(new Error(`ENOTFOUND ${host}`), { code: 'ENOTFOUND' }), []);
      cb(
        null,
        answers.map((address): LookupAddress => ({ address, family: address.includes(':') ? 6 : 4 })),
      );
    };
  });
  afterAll(async () => {
    await receiver?.stop();
    await t?.close();
  });

  it.each([
    ['http://partner.example/hooks', /must be https/],
    ['https://127.0.0.1/hooks', /127\.0\.0\.1/],
    ['https://10.1.2.3/hooks', /10\.1\.2\.3/],
    ['https://169.254.169.254/latest/meta-data', /169\.254\.169\.254/],
    ['https://[::1]/hooks', /::1/],
    ['https://[::ffff:192.168.0.1]/hooks', /::ffff/],
    ['https://internal.example/hooks', /resolves to 192\.168\.1\.10/],
    ['https://nowhere.example/hooks', /does not resolve/],
  ])('should refuse %s when it is saved, naming url', async (url, why) => {
    dns.set('internal.example', ['93.184.216.34', '192.168.1.10']);
    const res = await admin.createEndpoint({ url });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ field: 'url', message: expect.stringMatching(why) }]);
  });

  it('should refuse a private URL on update as well', async () => {
    dns.set('partner.example', ['93.184.216.34']);
    const created = await admin.createEndpoint({ url: 'https://partner.example/hooks' });
    expect(created.status).toBe(201);
    const res = await admin.call('PATCH', `/admin/webhook-endpoints/${created.body.id}`, {
      url: `http://127.0.0.1:${receiver.port}/hooks`,
    });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].field).toBe('url');
    await admin.call('DELETE', `/admin/webhook-endpoints/${created.body.id}`);
  });

  it('should not connect when the name resolves to a loopback address at delivery time (DNS rebinding)', async () => {
    dns.set('rebind.example', ['93.184.216.34']);
    const created = await admin.createEndpoint({ url: `https://rebind.example:${receiver.port}/hooks` });
    expect(created.status).toBe(201);
    // The attacker's DNS now answers the receiver's address.
    dns.set('rebind.example', ['127.0.0.1']);
    lookups.length = 0;
    await admin.call('POST', `/admin/webhook-endpoints/${created.body.id}/test`);
    const d = await waitFor(async () => {
      const rows = await admin.deliveries({ endpointId: created.body.id });
      return rows[0]?.lastError && rows[0];
    });
    expect(d.lastError).toMatch(/^refused: rebind\.example resolves to 127\.0\.0\.1/);
    expect(d.status).toBe('PENDING');
    expect(lookups).toContain('rebind.example');
    expect(receiver.received).toHaveLength(0);
  });
});
