// Partner webhooks from real changes: a verification initiated over the partner API, called back
// by the real sandbox, expired by reconciliation and erased by the store; every change reaches a
// real receiver as a signed event whose `data.verification` is exactly what
// GET /v1/verifications/:id answers at that version, with no personal data.
import { DataSource } from 'typeorm';
import { ReconciliationService } from '../../src/reconciliation/reconciliation.service.js';
import { SubmissionsRepository } from '../../src/submissions/submissions.repository.js';
import { TEST_API_KEY } from '../support/app.js';
import { bearer, json } from '../support/http.js';
import { startStack, TestStack } from '../support/stack.js';
import { adminClient, Receiver, waitFor } from './webhook-helpers.js';

const env = {
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
  WEBHOOK_POLL_INTERVAL_MS: '50',
  WEBHOOK_RETRY_SCALE: '0.001',
};

describe('Partner webhooks: one signed event per verification change', () => {
  let s: TestStack;
  let r: Receiver;
  let secret: string;
  let endpointId: string;

  beforeAll(async () => {
    s = await startStack(env);
    r = await new Receiver().start();
    const created = await adminClient(s.baseUrl).createEndpoint({ url: r.url });
    secret = created.body.secret;
    endpointId = created.body.id;
  });
  afterAll(async () => {
    await r?.stop();
    await s?.close();
  });

  const initiate = async (userId: string) => {
    const res = await fetch(`${s.baseUrl}/v1/verifications`, {
      method: 'POST',
      headers: { ...bearer(TEST_API_KEY), 'content-type': 'application/json' },
      body: JSON.stringify({
        userId,
        phoneNumber: '6281200000042',
        verification: { isVerified: true, verificationReferenceId: `otp-${userId}` },
      }),
    });
    expect(res.status).toBe(201);
    return (await json(res)).id as string;
  };
  const read = async (id: string) =>
    json(await fetch(`${s.baseUrl}/v1/verifications/${id}`, { headers: bearer(TEST_API_KEY) }));
  const eventsFor = (id: string) => r.verified(secret).filter((e) => e.data?.verification?.id === id);

  it('should send created, updated and completed with the partner API view of each version', async () => {
    const id = await initiate('wh-user-1');
    await waitFor(() => eventsFor(id).length === 1);
    const [created] = eventsFor(id);
    expect(created.type).toBe('verification.created');
    expect(created.data.verification).toMatchObject({ id, status: 'INITIATED', userId: 'wh-user-1' });

    await s.control.complete(id, { status: 'IN_PROGRESS' });
    await waitFor(() => eventsFor(id).length === 2);
    await s.control.complete(id, { status: 'COMPLETED', result: 'VALID' });
    await waitFor(() => eventsFor(id).length === 3);

    const events = eventsFor(id).sort((a, b) => a.data.verification.version - b.data.verification.version);
    expect(events.map((e) => e.type)).toEqual([
      'verification.created',
      'verification.updated',
      'verification.completed',
    ]);
    const api = await read(id);
    const last = events[2];
    // Exactly the partner API's answer for the same version (every field it has, same values).
    expect(last.data.verification).toEqual(expect.objectContaining(api));
    for (const key of Object.keys(last.data.verification)) expect(api).toHaveProperty(key);
    expect(last.data.verification.version).toBe(api.version);
    expect(new Set(events.map((e) => e.id)).size).toBe(3);
    for (const e of events) {
      expect(Object.keys(e).sort()).toEqual(['createdAt', 'data', 'id', 'type']);
      expect(JSON.stringify(e)).not.toMatch(
        /ktpData|\d{16}|6281200000042|imageUrls|address|dateOfBirth"\s*:\s*"\d/,
      );
    }
  });

  it('should send verification.failed for an ERROR callback', async () => {
    const id = await initiate('wh-user-2');
    await s.control.complete(id, { status: 'ERROR' });
    await waitFor(() => eventsFor(id).some((e) => e.type === 'verification.failed'));
    const failed = eventsFor(id).find((e) => e.type === 'verification.failed')!;
    expect(failed.data.verification.status).toBe('ERROR');
  });

  it('should send verification.expired when reconciliation expires a verification', async () => {
    const id = await initiate('wh-user-3');
    await s.app
      .get(DataSource)
      .query(`UPDATE submissions SET sdk_expires_at = now() - interval '1 minute' WHERE id = $1`, [id]);
    await s.app.get(ReconciliationService).runOnce();
    await waitFor(() => eventsFor(id).some((e) => e.type === 'verification.expired'));
    expect(eventsFor(id).find((e) => e.type === 'verification.expired')!.data.verification.status).toBe(
      'EXPIRED',
    );
  });

  it('should send verification.redacted when the store erases a verification', async () => {
    const id = await initiate('wh-user-4');
    await s.control.complete(id, { status: 'COMPLETED', result: 'VALID' });
    await waitFor(() => eventsFor(id).some((e) => e.type === 'verification.completed'));
    await s.app.get(SubmissionsRepository).redact({ ids: [id] }, { source: 'system' });
    await waitFor(() => eventsFor(id).some((e) => e.type === 'verification.redacted'));
    const redacted = eventsFor(id).find((e) => e.type === 'verification.redacted')!;
    expect(redacted.data.verification).toEqual(expect.objectContaining(await read(id)));
  });

  it('should log every delivery with its event, verification and attempts', async () => {
    const rows = await adminClient(s.baseUrl).deliveries({ endpointId, limit: '100' });
    expect(rows.length).toBe(r.received.length);
    expect(rows.every((d) => d.status === 'SUCCEEDED' && d.attempts === 1)).toBe(true);
    const ids = new Set(r.received.map((x) => x.headers['webhook-id']));
    expect(rows.every((d) => ids.has(d.eventId))).toBe(true);
  });
});
