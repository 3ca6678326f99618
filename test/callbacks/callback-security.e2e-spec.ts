import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../src/app.factory.js';
import { buildConfig } from '../../src/config/app-config.js';
import { SubmissionsRepository } from '../../src/submissions/submissions.repository.js';
import { startTestApp, TEST_CALLBACK_SECRET, TestApp, testEnv } from '../support/app.js';
import { createTestDatabase, TestDatabase } from '../support/database.js';
import { json } from '../support/http.js';
import { callbackBody, initiatedSubmission, metricValue, sendCallback } from './callback-helpers.js';

const ROTATED_SECRET = 'Bearer rotated-callback-secret';

async function expectProblem(res: Response, status: number): Promise<any> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  const body = await json(res);
  expect(body).toMatchObject({ status });
  return body;
}

describe('provider callback: who may call, and what it may send', () => {
  let db: TestDatabase;
  let t: TestApp;
  let repo: SubmissionsRepository;

  beforeAll(async () => {
    db = await createTestDatabase();
    // During a rotation both the old and the new credential are accepted.
    t = await startTestApp({ CALLBACK_AUTH_VALUES: `${TEST_CALLBACK_SECRET},${ROTATED_SECRET}` }, { db });
    repo = t.app.get(SubmissionsRepository);
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  describe('credential', () => {
    it('should refuse a wrong or missing credential with 401, count it and never log it', async () => {
      const warn = vi.spyOn(Logger.prototype, 'warn');
      const before = await metricValue(t, 'onekyc_callbacks_total{outcome="rejected_auth"}');
      const id = await initiatedSubmission(repo);
      const wrong = 'Bearer test-callback-secreX';
      const body = await expectProblem(await sendCallback(t, callbackBody(id), { credential: wrong }), 401);
      expect(body.detail).not.toContain('test-callback');
      await expectProblem(await sendCallback(t, callbackBody(id), { credential: null }), 401);
      await expectProblem(
        await sendCallback(t, callbackBody(id), { credential: 'test-callback-secret' }),
        401,
      );

      expect(await metricValue(t, 'onekyc_callbacks_total{outcome="rejected_auth"}')).toBe(before + 3);
      expect((await repo.findById(id))!.status).toBe('INITIATED');
      expect((await repo.findEvents(id)).some((e) => e.type === 'CALLBACK')).toBe(false);
      const logged = JSON.stringify(warn.mock.calls);
      expect(warn.mock.calls.length).toBeGreaterThanOrEqual(3);
      expect(logged).toContain('credential_invalid');
      expect(logged).toContain('credential_missing');
      expect(logged).not.toContain('test-callback-secre');
    });

    it('should accept both credentials during a rotation', async () => {
      const a = await initiatedSubmission(repo);
      const b = await initiatedSubmission(repo);
      expect((await sendCallback(t, callbackBody(a), { credential: TEST_CALLBACK_SECRET })).status).toBe(200);
      expect((await sendCallback(t, callbackBody(b), { credential: ROTATED_SECRET })).status).toBe(200);
      expect((await repo.findById(a))!.status).toBe('COMPLETED');
      expect((await repo.findById(b))!.status).toBe('COMPLETED');
    });

    it('should read the credential from a custom header when configured', async () => {
      const custom = await startTestApp(
        { CALLBACK_AUTH_HEADER: 'X-Callback-Token', CALLBACK_AUTH_VALUES: 'custom-token-value' },
        { db },
      );
      try {
        const id = await initiatedSubmission(repo);
        await expectProblem(await sendCallback(custom, callbackBody(id), { credential: 'wrong' }), 401);
        // The default header carries nothing here.
        await expectProblem(
          await sendCallback(custom, callbackBody(id), {
            credential: null,
            headers: { authorization: 'custom-token-value' },
          }),
          401,
        );
        const ok = await sendCallback(custom, callbackBody(id), {
          credential: null,
          headers: { 'x-callback-token': 'custom-token-value' },
        });
        expect(ok.status).toBe(200);
      } finally {
        await custom.close();
      }
    });
  });

  describe('caller IP', () => {
    it('should refuse a caller outside the list with 403, before looking at the credential', async () => {
      const listed = await startTestApp({ CALLBACK_ALLOWED_IPS: '203.0.113.0/24, 2001:db8::/32' }, { db });
      try {
        const before = await metricValue(listed, 'onekyc_callbacks_total{outcome="rejected_ip"}');
        const id = await initiatedSubmission(repo);
        const body = await expectProblem(await sendCallback(listed, callbackBody(id)), 403);
        expect(body.detail).toMatch(/not allowed/);
        // IP first: a wrong credential from a refused address is still a 403 (no credential oracle).
        await expectProblem(await sendCallback(listed, callbackBody(id), { credential: 'wrong' }), 403);
        // Without TRUST_PROXY, X-Forwarded-For is the caller's say-so and is ignored.
        await expectProblem(
          await sendCallback(listed, callbackBody(id), { headers: { 'x-forwarded-for': '203.0.113.7' } }),
          403,
        );
        expect(await metricValue(listed, 'onekyc_callbacks_total{outcome="rejected_ip"}')).toBe(before + 3);
        expect((await repo.findById(id))!.status).toBe('INITIATED');
      } finally {
        await listed.close();
      }
    });

    it('should take the caller from X-Forwarded-For only with TRUST_PROXY', async () => {
      const proxied = await startTestApp(
        { CALLBACK_ALLOWED_IPS: '203.0.113.0/24,2001:db8::/32', TRUST_PROXY: '127.0.0.1/32' },
        { db },
      );
      try {
        const send = async (xff: string | undefined) =>
          (
            await sendCallback(proxied, callbackBody(await initiatedSubmission(repo)), {
              headers: xff ? { 'x-forwarded-for': xff } : {},
            })
          ).status;
        expect(await send('203.0.113.7')).toBe(200);
        expect(await send('::ffff:203.0.113.8')).toBe(200); // IPv4-mapped IPv6
        expect(await send('2001:db8:1::5')).toBe(200);
        expect(await send('198.51.100.1')).toBe(403);
        expect(await send('2001:db9::1')).toBe(403);
        expect(await send(undefined)).toBe(403); // the socket's 127.0.0.1
        // A client behind an appending proxy writes the leftmost entries itself: the caller is the
        // first untrusted address from the right, never a forged leftmost one.
        expect(await send('203.0.113.9, 198.51.100.1')).toBe(403);
        expect(await send('198.51.100.1, 203.0.113.9')).toBe(200);
      } finally {
        await proxied.close();
      }
    });

    it('should count TRUST_PROXY hops from the right', async () => {
      const oneHop = await startTestApp({ CALLBACK_ALLOWED_IPS: '203.0.113.0/24', TRUST_PROXY: '1' }, { db });
      try {
        const send = async (xff: string) =>
          (
            await sendCallback(oneHop, callbackBody(await initiatedSubmission(repo)), {
              headers: { 'x-forwarded-for': xff },
            })
          ).status;
        expect(await send('203.0.113.9, 198.51.100.1')).toBe(403); // forged leftmost ignored
        expect(await send('198.51.100.1, 203.0.113.9')).toBe(200);
      } finally {
        await oneHop.close();
      }
    });

    it('should match an IPv4 peer seen on a dual-stack socket (::ffff:127.0.0.1) against an IPv4 range', async () => {
      // startTestApp listens on 127.0.0.1; here the app listens on "::", where Node reports an IPv4
      // peer as an IPv4-mapped IPv6 address.
      const config = buildConfig(testEnv({ CALLBACK_ALLOWED_IPS: '127.0.0.0/8' }), { databaseUrl: db.url });
      const app: NestFastifyApplication = await createApp(config);
      await app.listen(0, '::');
      try {
        const port = (app.getHttpServer().address() as { port: number }).port;
        const dual = { baseUrl: `http://127.0.0.1:${port}`, config } as TestApp;
        const id = await initiatedSubmission(repo);
        const res = await sendCallback(dual, callbackBody(id));
        expect(res.status).toBe(200);
      } finally {
        await app.close();
      }
    });
  });

  describe('body', () => {
    it.each([
      ['not JSON', '{"submissionId": "x", ', /not valid JSON/],
      ['an empty body', '', /empty/],
      ['a JSON array', JSON.stringify([callbackBody(randomUUID())]), /body/],
      ['a JSON string', JSON.stringify('COMPLETED'), /body/],
      ['JSON null', 'null', /body/],
    ])('should refuse %s with a 400 problem', async (_what, raw, detail) => {
      const body = await expectProblem(await sendCallback(t, undefined, { raw }), 400);
      expect(body.detail).toMatch(detail);
    });

    it('should refuse a text/plain body with a 415 problem', async () => {
      const res = await sendCallback(t, undefined, {
        raw: JSON.stringify(callbackBody(randomUUID())),
        headers: { 'content-type': 'text/plain' },
      });
      expect((await expectProblem(res, 415)).detail).toMatch(/application\/json/);
    });

    it.each([
      ['partnerSessionId', { partnerSessionId: undefined }],
      ['partnerSessionId', { partnerSessionId: '' }],
      ['partnerSessionId', { partnerSessionId: 42 }],
      ['submissionId', { submissionId: undefined }],
      ['submissionId', { submissionId: ['a'] }],
      ['status', { status: undefined }],
      ['status', { status: 'FINISHED' }],
      ['result', { result: 'PASSED' }],
      ['result', { result: 1 }],
      ['reasonCode', { reasonCode: { code: 1 } }],
      ['submissionDetails.ktpData', { submissionDetails: { ktpData: ['3171999999990001'] } }],
      [
        'submissionDetails.verificationResult.nik',
        { submissionDetails: { verificationResult: { nik: true } } },
      ],
    ])('should refuse a missing or malformed %s with a 400 naming it', async (field, patch) => {
      const before = await metricValue(t, 'onekyc_callbacks_total{outcome="invalid"}');
      const id = await initiatedSubmission(repo);
      const body = await expectProblem(await sendCallback(t, { ...callbackBody(id), ...patch }), 400);
      expect(body.detail).toContain(field);
      expect(body.errors.map((e: { field: string }) => e.field)).toContain(field);
      expect((await repo.findById(id))!.status).toBe('INITIATED');
      expect(await metricValue(t, 'onekyc_callbacks_total{outcome="invalid"}')).toBe(before + 1);
    });

    it('should refuse a body over 256 KiB with 413', async () => {
      const id = await initiatedSubmission(repo);
      const big = callbackBody(id, 'COMPLETED', 'VALID', { padding: 'x'.repeat(256 * 1024) });
      const body = await expectProblem(await sendCallback(t, big), 413);
      expect(body.detail).toMatch(/too large/);
      expect((await repo.findById(id))!.status).toBe('INITIATED');
    });

    it('should accept a body just under the limit', async () => {
      const id = await initiatedSubmission(repo);
      const near = callbackBody(id, 'COMPLETED', 'VALID', { padding: 'x'.repeat(250 * 1024) });
      expect((await sendCallback(t, near)).status).toBe(200);
    });
  });
});
