// What an abusive caller can cost is bounded: slow requests, oversized provider answers, junk
// sent to the callback URL, long provider error text, and a partner key spread over routes.
import { randomUUID } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { connect } from 'node:net';
import { AddressInfo } from 'node:net';
import { Sql } from '../../src/database/sql.js';
import { OneKycErrorKind, OneKycException } from '../../src/onekyc/onekyc.exception.js';
import { PiiCipher } from '../../src/submissions/pii/pii-cipher.js';
import { callbackBody, sendCallback } from '../callbacks/callback-helpers.js';
import { buildClient } from '../onekyc/client-harness.js';
import { startTestApp, TEST_API_KEY, TestApp } from '../support/app.js';
import { json } from '../support/http.js';

/** A local HTTP server answering every request with `handler` (a stand-in for a broken provider). */
async function fakeProvider(
  handler: Parameters<typeof createServer>[1],
): Promise<{ url: string; server: Server }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const validInitiation = {
  userId: 'abuse-user',
  email: 'a@example.com',
  verification: { isVerified: true, verificationReferenceId: 'ref' },
};

describe('bounded abuse', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ API_RATE_LIMIT_PER_MINUTE: '4' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers 408 and closes a request whose body is trickled in for more than 30 s', async () => {
    const { port } = new URL(t.baseUrl);
    const socket = connect(Number(port), '127.0.0.1');
    let answer = '';
    socket.on('data', (d) => (answer += d.toString()));
    const closed = new Promise<number>((r) => socket.on('close', () => r(Date.now())));
    const started = Date.now();
    socket.write(
      'POST /v1/callbacks/onekyc HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n',
    );
    const drip = setInterval(() => socket.writable && socket.write('{'), 1000);
    const at = await closed;
    clearInterval(drip);
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(answer).toContain('application/problem+json');
    expect(at - started).toBeGreaterThanOrEqual(29_000);
    expect(at - started).toBeLessThan(40_000);
  }, 60_000);

  it('refuses a callback that is not application/json with 415', async () => {
    const res = await sendCallback(t, null, {
      raw: JSON.stringify(callbackBody(randomUUID())),
      headers: { 'content-type': 'text/plain' },
    });
    expect(res.status).toBe(415);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
  });

  it('keeps at most a bounded payload of a quarantined callback', async () => {
    const session = randomUUID();
    const junk = { ...callbackBody(session), junk: 'x'.repeat(200 * 1024) };
    const res = await sendCallback(t, junk);
    expect(res.status).toBe(200);
    const rows = await t.app
      .get(Sql)
      .query<{ payload_enc: string }>(
        'SELECT payload_enc FROM unmatched_callbacks WHERE partner_session_id = $1',
        [session],
      );
    expect(rows).toHaveLength(1);
    const stored = t.app.get(PiiCipher).decryptJson<Record<string, unknown>>(rows[0].payload_enc);
    expect(JSON.stringify(stored).length).toBeLessThan(32 * 1024);
    expect(stored).toMatchObject({ truncated: true, partnerSessionId: session });
    expect(stored.originalBytes).toBeGreaterThan(200 * 1024);
  });

  it('counts the partner rate limit per key across every /v1 route', async () => {
    const auth = { authorization: `Bearer ${TEST_API_KEY}` };
    const statuses: number[] = [];
    for (const path of [
      `/v1/verifications/${randomUUID()}`,
      '/v1/verifications?userId=u1',
      `/v1/verifications/${randomUUID()}`,
      '/v1/verifications?userId=u2',
      '/v1/verifications?userId=u3',
    ]) {
      statuses.push((await fetch(`${t.baseUrl}${path}`, { headers: auth })).status);
    }
    expect(statuses.slice(0, 4)).not.toContain(429);
    expect(statuses[4]).toBe(429);
  });
});

describe('bounded provider answers', () => {
  it('fails a call cleanly when the provider answers more than 1 MiB, without reading it all', async () => {
    let total = 0;
    const { url, server } = await fakeProvider((_req, res) => {
      let sent = 0;
      res.writeHead(200, { 'content-type': 'application/json' }); // chunked: no length announced
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const pump = () => {
        while (sent < 300 * 1024 * 1024) {
          sent += chunk.length;
          total += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('close', () => (sent = Infinity));
      pump();
    });
    const c = await buildClient(url);
    try {
      const err = await c.client.fetchPartnerToken().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(OneKycException);
      expect((err as OneKycException).kind).toBe(OneKycErrorKind.TEMPORARY_INVALID_RESPONSE);
      expect((err as OneKycException).message).toMatch(/larger than 1048576 bytes/);
      expect(total).toBeLessThan(64 * 1024 * 1024); // every attempt stopped early, not 300 MB each
    } finally {
      await c.close();
      server.closeAllConnections();
      server.close();
    }
  });

  it('truncates a long provider cause in the 502 answer', async () => {
    const cause = 'C'.repeat(5000);
    const { url, server } = await fakeProvider((req, res) => {
      res.writeHead(req.url?.includes('token') ? 200 : 400, { 'content-type': 'application/json' });
      if (req.url?.includes('token')) {
        res.end(
          JSON.stringify({
            success: true,
            data: { token: 'tok', expiry_seconds: 3600 },
          }),
        );
      } else {
        res.end(JSON.stringify({ success: false, errors: [{ code: '1552', cause, entity: 'x' }] }));
      }
    });
    const app = await startTestApp({ ONEKYC_API_BASE_URL: url });
    try {
      const res = await fetch(`${app.baseUrl}/v1/verifications`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify(validInitiation),
      });
      const body = await json(res);
      expect(res.status).toBe(502);
      expect(JSON.stringify(body)).not.toContain(cause);
      expect(String(body.cause).length).toBeLessThanOrEqual(200);
      const stored = await app.app
        .get(Sql)
        .query<{ e: string }>(`SELECT row_to_json(s)::text AS e FROM submissions s`);
      expect(stored.map((r) => r.e).join('')).not.toContain('C'.repeat(201));
    } finally {
      await app.close();
      server.close();
    }
  });
});
