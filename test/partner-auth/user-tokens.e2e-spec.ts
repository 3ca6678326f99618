// Partner access against real parts: the app on PostgreSQL, the provider sandbox over HTTP, and a
// real JWKS server (node http) whose keys are generated here with jose and rotated mid-test.
import { SignJWT } from 'jose';
import { DataSource } from 'typeorm';
import { startTestApp, TEST_ADMIN_KEY, TEST_API_KEY, TestApp } from '../support/app.js';
import { bearer, json } from '../support/http.js';
import {
  generateSigningKey,
  JwksServer,
  signToken,
  TestSigningKey,
  TokenOptions,
  unsecuredToken,
} from '../support/jwks-server.js';
import { startStack, TestStack } from '../support/stack.js';

const ISSUER = 'https://login.partner.example';
const AUDIENCE = 'onekyc-orchestrator';
const IDENTITY_KEY = 'test-identity-key-0123456789abcdef';
const SECOND_PARTNER_KEY = 'test-partner-key-two';
const RATE_LIMIT = 40;

const body = (over: Record<string, unknown> = {}) => ({
  phoneNumber: '628123450001',
  verification: { isVerified: true, verificationReferenceId: 'otp-ut' },
  ...over,
});

describe('partner access: partner keys, identity keys and end-user tokens (real JWKS server)', () => {
  let s: TestStack;
  let jwks: JwksServer;
  let rsa: TestSigningKey;
  let ec: TestSigningKey;
  let ed: TestSigningKey;
  let stranger: TestSigningKey;
  let ds: DataSource;

  const token = (o: TokenOptions = {}, key: TestSigningKey = rsa) =>
    signToken(key, { issuer: ISSUER, audience: AUDIENCE, subject: 'user-alice', ...o });
  const call = (method: string, path: string, auth: string, payload?: unknown) =>
    fetch(`${s.baseUrl}${path}`, {
      method,
      headers: { ...bearer(auth), ...(payload ? { 'content-type': 'application/json' } : {}) },
      body: payload ? JSON.stringify(payload) : undefined,
    });

  beforeAll(async () => {
    [rsa, ec, ed, stranger] = await Promise.all([
      generateSigningKey('rsa-1', 'RS256'),
      generateSigningKey('ec-1', 'ES256'),
      generateSigningKey('ed-1', 'EdDSA'),
      generateSigningKey('rsa-1', 'RS256'), // same kid as rsa, other key: its signatures must fail
    ]);
    jwks = await JwksServer.start([rsa, ec, ed]);
    s = await startStack({
      API_KEYS: `${TEST_API_KEY},${SECOND_PARTNER_KEY}`,
      IDENTITY_API_KEYS: IDENTITY_KEY,
      USER_JWT_JWKS_URL: jwks.url,
      USER_JWT_ISSUER: ISSUER,
      USER_JWT_AUDIENCE: AUDIENCE,
      USER_JWT_JWKS_COOLDOWN_SECONDS: '1',
      API_RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT),
    });
    ds = new DataSource({ type: 'postgres', url: s.db.url });
    await ds.initialize();
  });
  afterAll(async () => {
    await ds?.destroy();
    await s?.close();
    await jwks?.close();
  });

  describe('end-user tokens', () => {
    it("should start a verification for the token's user when the body names no user", async () => {
      const res = await call('POST', '/v1/verifications', await token(), body());
      expect(res.status).toBe(201);
      const created = await json(res);
      const session = await s.control.session(created.id);
      expect(session?.session).toMatchObject({ userId: 'user-alice', userIdType: 'USER_ID' });
      const read = await call('GET', `/v1/verifications/${created.id}`, await token());
      expect(read.status).toBe(200);
      expect(await json(read)).toMatchObject({ id: created.id, userId: 'user-alice' });
    });

    it('should accept a body userId equal to the token user, and refuse another one with 403 without calling the provider', async () => {
      expect(
        (await call('POST', '/v1/verifications', await token(), body({ userId: 'user-alice' }))).status,
      ).toBe(201);
      await s.control.resetStats();
      const res = await call('POST', '/v1/verifications', await token(), body({ userId: 'user-bob' }));
      expect(res.status).toBe(403);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      const problem = await json(res);
      expect(problem.detail).toMatch(/userId/);
      expect(problem.errors).toEqual([expect.objectContaining({ field: 'userId' })]);
      const otherType = await call('POST', '/v1/verifications', await token(), body({ userIdType: 'EMAIL' }));
      expect(otherType.status).toBe(403);
      expect((await s.control.stats()).calls.initiateFlow).toBe(0);
    });

    it("should answer another user's verification with the same 404 as an unknown id", async () => {
      const bobs = await json(
        await call('POST', '/v1/verifications', TEST_API_KEY, body({ userId: 'user-bob' })),
      );
      const other = await call('GET', `/v1/verifications/${bobs.id}`, await token());
      expect(other.status).toBe(404);
      const unknownId = crypto.randomUUID();
      const unknown = await call('GET', `/v1/verifications/${unknownId}`, await token());
      expect(unknown.status).toBe(404);
      expect((await json(other)).detail.replace(bobs.id, 'X')).toBe(
        (await json(unknown)).detail.replace(unknownId, 'X'),
      );
      // The partner key still reads every verification.
      expect((await call('GET', `/v1/verifications/${bobs.id}`, TEST_API_KEY)).status).toBe(200);
    });

    it("should list only the token user's verifications, and refuse a query naming another user", async () => {
      const list = await json(await call('GET', '/v1/verifications', await token()));
      expect(list.data.length).toBeGreaterThanOrEqual(2);
      expect(new Set(list.data.map((v: { userId: string }) => v.userId))).toEqual(new Set(['user-alice']));
      expect((await call('GET', '/v1/verifications?userId=user-bob', await token())).status).toBe(403);
      const own = await call('GET', '/v1/verifications?userId=user-alice', await token());
      expect((await json(own)).data).toHaveLength(list.data.length);
      // A partner key must still name the user.
      const noUser = await call('GET', '/v1/verifications', TEST_API_KEY);
      expect(noUser.status).toBe(400);
      expect((await json(noUser)).errors[0].field).toBe('userId');
    });

    it('should accept ES256 and EdDSA keys from the key set', async () => {
      for (const key of [ec, ed]) {
        const res = await call('GET', '/v1/verifications', await token({}, key));
        expect({ alg: key.alg, status: res.status }).toEqual({ alg: key.alg, status: 200 });
      }
    });

    it('should accept a token expired within the clock skew (30 s by default)', async () => {
      expect((await call('GET', '/v1/verifications', await token({ expiresIn: -10 }))).status).toBe(200);
    });

    it.each<[string, () => Promise<string>, RegExp]>([
      ['an expired token', () => token({ expiresIn: -120 }), /expired/],
      ['a token without exp', () => token({ expiresIn: null }), /exp/],
      ['a token from another issuer', () => token({ issuer: 'https://evil.example' }), /issuer/],
      ['a token for another audience', () => token({ audience: 'another-service' }), /audience/],
      ['a token not valid yet (nbf)', () => token({ notBefore: 120 }), /nbf/],
      [
        'an unsigned token (alg none)',
        async () => unsecuredToken({ iss: ISSUER, aud: AUDIENCE, sub: 'user-alice', exp: 9e9 }),
        /algorithm/,
      ],
      ['a token with an unknown kid', () => token({ kid: 'no-such-kid' }), /kid/],
      ['a token signed by another key under a known kid', () => token({}, stranger), /signature/],
      [
        'an HS256 token while a JWKS is configured',
        () =>
          signToken(new TextEncoder().encode('x'.repeat(32)), {
            issuer: ISSUER,
            audience: AUDIENCE,
            subject: 'a',
          }),
        /algorithm/,
      ],
      ['a token whose user claim is not a usable user id', () => token({ subject: ' spaced ' }), /claim/],
    ])('should refuse %s with 401 invalid_token', async (_name, make, reason) => {
      const res = await call('GET', '/v1/verifications', await make());
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
      expect((await json(res)).detail).toMatch(reason);
    });

    it('should pick up a rotated key (new kid) from the key set, and drop the retired one', async () => {
      const rotated = await generateSigningKey('rsa-2', 'RS256');
      const before = jwks.fetches;
      jwks.keys = [rotated, ec, ed];
      await new Promise((r) => setTimeout(r, 1100)); // the configured cooldown between fetches
      const fresh = await call('GET', '/v1/verifications', await token({}, rotated));
      expect(fresh.status).toBe(200);
      expect(jwks.fetches).toBeGreaterThan(before);
      const retired = await call('GET', '/v1/verifications', await token());
      expect(retired.status).toBe(401);
      jwks.keys = [rsa, rotated, ec, ed];
      await new Promise((r) => setTimeout(r, 1100));
      expect((await call('GET', '/v1/verifications', await token())).status).toBe(200);
    });

    it('should never let an end-user token reach identity or admin routes (403)', async () => {
      const mine = await json(await call('POST', '/v1/verifications', await token(), body()));
      const identity = await call('GET', `/v1/verifications/${mine.id}/identity`, await token());
      expect(identity.status).toBe(403);
      for (const path of ['/admin/submissions', `/admin/submissions/${mine.id}`, '/admin/audit-log']) {
        const res = await call('GET', path, await token());
        expect({ path, status: res.status }).toEqual({ path, status: 403 });
      }
      // A forged token at /admin is just a wrong key.
      expect((await call('GET', '/admin/submissions', await token({ issuer: 'x' }))).status).toBe(401);
    });

    it('should count the rate limit per user: one user at the limit does not stop another', async () => {
      const carol = await token({ subject: 'user-carol' });
      const statuses: number[] = [];
      for (let i = 0; i <= RATE_LIMIT; i++) {
        statuses.push((await call('GET', '/v1/verifications', carol)).status);
      }
      expect(statuses.slice(0, RATE_LIMIT).every((st) => st === 200)).toBe(true);
      expect(statuses[RATE_LIMIT]).toBe(429);
      expect((await call('GET', '/v1/verifications', await token({ subject: 'user-dave' }))).status).toBe(
        200,
      );
      expect((await call('GET', '/v1/verifications?userId=user-carol', SECOND_PARTNER_KEY)).status).toBe(200);
    });
  });

  describe('identity keys and the audit log', () => {
    let id: string;

    beforeAll(async () => {
      const created = await json(
        await call(
          'POST',
          '/v1/verifications',
          IDENTITY_KEY,
          body({ userId: 'user-erin', phoneNumber: '628123450777' }),
        ),
      );
      id = created.id;
      await s.control.complete(id, {
        result: 'VALID',
        ktpData: { nik: '3201017777000001', name: 'ERIN SYNTHETIC', dateOfBirth: '01-01-1990' },
      });
    });

    it('should give an identity key the decrypted identity and write the read to the audit log', async () => {
      const res = await fetch(`${s.baseUrl}/v1/verifications/${id}/identity`, {
        headers: { ...bearer(IDENTITY_KEY), 'x-request-id': 'req-identity-1' },
      });
      expect(res.status).toBe(200);
      const identity = await json(res);
      expect(identity).toMatchObject({
        id,
        ktpData: { nik: '3201017777000001', name: 'ERIN SYNTHETIC' },
        evidence: expect.any(Array),
      });
      expect(identity).toHaveProperty('certificateRegistration');
      const rows = await ds.query(
        `SELECT actor_kind, admin_key_id, action, detail FROM admin_audit_log WHERE submission_id = $1`,
        [id],
      );
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ actor_kind: 'identity', action: 'identity.read' });
      expect(rows[0].admin_key_id).toMatch(/^[0-9a-f]{12}$/);
      expect(rows[0].detail).toMatchObject({
        requestId: 'req-identity-1',
        fields: expect.arrayContaining(['ktpData']),
      });
      expect(JSON.stringify(rows)).not.toContain('3201017777000001');
      expect(JSON.stringify(rows)).not.toContain(IDENTITY_KEY);
    });

    it('should let an identity key use the partner routes too', async () => {
      expect((await call('GET', `/v1/verifications/${id}`, IDENTITY_KEY)).status).toBe(200);
    });

    it('should refuse a plain partner key on the identity route with 403, and write nothing', async () => {
      const before = await ds.query(`SELECT count(*)::int AS n FROM admin_audit_log`);
      const res = await call('GET', `/v1/verifications/${id}/identity`, TEST_API_KEY);
      expect(res.status).toBe(403);
      expect((await json(res)).detail).toMatch(/IDENTITY_API_KEYS/);
      expect(await ds.query(`SELECT count(*)::int AS n FROM admin_audit_log`)).toEqual(before);
    });

    it('should answer 404 for an unknown verification and 401 for a wrong key', async () => {
      expect(
        (await call('GET', `/v1/verifications/${crypto.randomUUID()}/identity`, IDENTITY_KEY)).status,
      ).toBe(404);
      expect((await call('GET', `/v1/verifications/${id}/identity`, `${IDENTITY_KEY}x`)).status).toBe(401);
      expect((await call('GET', `/v1/verifications/not-a-uuid/identity`, IDENTITY_KEY)).status).toBe(400);
    });

    it('should list audit entries for operators, filtered and keyset-paginated', async () => {
      await call('GET', `/v1/verifications/${id}/identity`, IDENTITY_KEY);
      await call('GET', `/admin/submissions/${id}?reveal=true`, TEST_ADMIN_KEY);
      const all = await json(await call('GET', `/admin/audit-log?submissionId=${id}`, TEST_ADMIN_KEY));
      expect(all.data.map((e: { action: string }) => e.action)).toEqual([
        'reveal',
        'identity.read',
        'identity.read',
      ]);
      expect(all.data[0]).toMatchObject({
        actorKind: 'admin',
        submissionId: id,
        createdAt: expect.any(String),
      });
      expect(all.data[1]).toMatchObject({
        actorKind: 'identity',
        actorId: expect.stringMatching(/^[0-9a-f]{12}$/),
      });

      const reads = await json(
        await call('GET', `/admin/audit-log?action=identity.read&limit=1`, TEST_ADMIN_KEY),
      );
      expect(reads.data).toHaveLength(1);
      expect(reads.nextCursor).toEqual(expect.any(String));
      const next = await json(
        await call(
          'GET',
          `/admin/audit-log?action=identity.read&limit=1&cursor=${encodeURIComponent(reads.nextCursor)}`,
          TEST_ADMIN_KEY,
        ),
      );
      expect(next.data).toHaveLength(1);
      expect(next.data[0].id).not.toBe(reads.data[0].id);
      expect(Number(next.data[0].id)).toBeLessThan(Number(reads.data[0].id));
      // A cursor is bound to its filters.
      const crossed = await call(
        'GET',
        `/admin/audit-log?action=reveal&cursor=${encodeURIComponent(reads.nextCursor)}`,
        TEST_ADMIN_KEY,
      );
      expect(crossed.status).toBe(400);
    });

    it('should refuse bad audit-log parameters with a 400 naming the field', async () => {
      for (const [query, field] of [
        ['action=delete-everything', 'action'],
        ['submissionId=42', 'submissionId'],
        ['limit=1000', 'limit'],
        ['cursor=forged.cursor', 'cursor'],
      ]) {
        const res = await call('GET', `/admin/audit-log?${query}`, TEST_ADMIN_KEY);
        expect({ query, status: res.status }).toEqual({ query, status: 400 });
        expect(JSON.stringify(await json(res))).toContain(field);
      }
    });

    it('should keep the audit log append-only: UPDATE, DELETE and TRUNCATE are refused', async () => {
      await expect(ds.query(`UPDATE admin_audit_log SET action = 'x'`)).rejects.toThrow(/append-only/);
      await expect(ds.query(`DELETE FROM admin_audit_log`)).rejects.toThrow(/append-only/);
      await expect(ds.query(`TRUNCATE admin_audit_log`)).rejects.toThrow(/append-only/);
    });
  });
});

describe('end-user tokens with a shared HS256 secret', () => {
  const secret = new TextEncoder().encode('an-hs256-secret-of-at-least-32-bytes!');
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({
      USER_JWT_SECRET: new TextDecoder().decode(secret),
      USER_JWT_ISSUER: ISSUER,
      USER_JWT_AUDIENCE: AUDIENCE,
      USER_JWT_USER_ID_CLAIM: 'uid',
      USER_JWT_USER_ID_TYPE: 'PARTNER_UID',
    });
  });
  afterAll(async () => {
    await app?.close();
  });

  const list = (tok: string) => fetch(`${app.baseUrl}/v1/verifications`, { headers: bearer(tok) });

  it('should accept an HS256 token and take the user from the configured claim', async () => {
    const tok = await signToken(secret, { issuer: ISSUER, audience: AUDIENCE, claims: { uid: 42 } });
    const res = await list(tok);
    expect(res.status).toBe(200);
    expect((await json(res)).data).toEqual([]);
  });

  it('should refuse a token signed with another secret, an RS256 token, and a token without the claim', async () => {
    const other = new TextEncoder().encode('another-secret-that-is-32-bytes-long!!');
    const rsa = await generateSigningKey('k', 'RS256');
    for (const tok of [
      await signToken(other, { issuer: ISSUER, audience: AUDIENCE, claims: { uid: 'a' } }),
      await signToken(rsa, { issuer: ISSUER, audience: AUDIENCE, claims: { uid: 'a' } }),
      await new SignJWT({ sub: 'no-uid' })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setExpirationTime('5m')
        .sign(secret),
    ]) {
      expect((await list(tok)).status).toBe(401);
    }
  });
});
