// WEBHOOK_URL/WEBHOOK_SECRET: a simple deployment gets its one endpoint at start, created once
// however many instances start, signing with the secret the operator chose.
import { startTestApp, TestApp } from '../support/app.js';
import { createTestDatabase, TestDatabase } from '../support/database.js';
import { adminClient, Receiver, waitFor } from './webhook-helpers.js';

describe('Partner webhooks: the endpoint from WEBHOOK_URL', () => {
  let db: TestDatabase;
  let apps: TestApp[] = [];
  let r: Receiver;
  const secret = 'whsec_' + Buffer.alloc(24, 9).toString('base64');

  beforeAll(async () => {
    db = await createTestDatabase();
    r = await new Receiver().start();
  });
  afterAll(async () => {
    await Promise.all(apps.map((a) => a.close()));
    await r?.stop();
    await db?.drop();
  });

  it('should be created once by two instances starting together, and sign with WEBHOOK_SECRET', async () => {
    const env = {
      WEBHOOK_URL: r.url,
      WEBHOOK_SECRET: secret,
      WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
      WEBHOOK_POLL_INTERVAL_MS: '50',
    };
    apps = await Promise.all([startTestApp(env, { db }), startTestApp(env, { db })]);
    const admin = adminClient(apps[0].baseUrl);
    const list = (await admin.call('GET', '/admin/webhook-endpoints')).body.data;
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ url: r.url, events: [], enabled: true });
    await admin.call('POST', `/admin/webhook-endpoints/${list[0].id}/test`);
    await waitFor(() => r.received.length === 1);
    expect(r.verified(secret)[0].type).toBe('webhook.test');
  });

  it('should refuse to start with a private WEBHOOK_URL while private networks are not allowed', async () => {
    await expect(
      startTestApp({ WEBHOOK_URL: 'https://127.0.0.1/hooks', WEBHOOK_SECRET: secret }, { db }),
    ).rejects.toThrow(/WEBHOOK_URL: .*127\.0\.0\.1/);
  });
});
