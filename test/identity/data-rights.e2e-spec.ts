// Duplicate identities and the right to erasure, against the real app on PostgreSQL with the
// provider sandbox over HTTP. The erasure is checked on a real `pg_dump` of the test database:
// none of the user's personal data (clear values, ciphertexts, blind indexes) may be left in it.
// pg_dump refuses a newer server (the machine's client is 15, the embedded server 18): then the
// dump is every row of every table of the database as text, read over SQL, which is what a
// pg_dump's data holds.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DataSource } from 'typeorm';
import { PiiCipher } from '../../src/submissions/pii/pii-cipher.js';
import { TEST_ADMIN_KEY, TEST_API_KEY, TEST_CALLBACK_SECRET } from '../support/app.js';
import { bearer, json } from '../support/http.js';
import { startStack, TestStack } from '../support/stack.js';

const run = promisify(execFile);
const IDENTITY_KEY = 'test-identity-key-data-rights-0001';

// Synthetic personal data of the user who asks to be erased.
const ERASED = {
  userId: 'dsr-user-1',
  nik: '3201019999000001',
  name: 'ZAHRA ERASABLE SYNTHETICA',
  phone: '6281299990001',
  email: 'zahra.erasable@example.test',
};

describe('data rights: duplicate identities and erasure (real app, sandbox, PostgreSQL)', () => {
  let s: TestStack;
  let ds: DataSource;
  let pii: PiiCipher;

  const call = (method: string, path: string, key: string, payload?: unknown) =>
    fetch(`${s.baseUrl}${path}`, {
      method,
      headers: { ...bearer(key), ...(payload ? { 'content-type': 'application/json' } : {}) },
      body: payload ? JSON.stringify(payload) : undefined,
    });
  const start = async (userId: string, contact: Record<string, string>) => {
    const res = await call('POST', '/v1/verifications', TEST_API_KEY, {
      userId,
      ...contact,
      verification: { isVerified: true, verificationReferenceId: `otp-${userId}` },
    });
    expect(res.status).toBe(201);
    return (await json(res)).id as string;
  };
  const pgDumpMajor = async (): Promise<number | null> => {
    try {
      const { stdout } = await run('pg_dump', ['--version']);
      return Number(/(\d+)\.\d+/.exec(stdout)?.[1] ?? NaN) || null;
    } catch {
      return null;
    }
  };
  const dump = async () => {
    const [{ v }] = await ds.query(`SELECT current_setting('server_version_num')::int / 10000 AS v`);
    const client = await pgDumpMajor();
    if (client !== null && client >= v) {
      return (await run('pg_dump', ['--no-owner', s.db.url], { maxBuffer: 256 * 1024 * 1024 })).stdout;
    }
    const tables: { name: string }[] = await ds.query(
      `SELECT format('%I.%I', schemaname, tablename) AS name FROM pg_tables
       WHERE schemaname NOT IN ('pg_catalog', 'information_schema')`,
    );
    const parts: string[] = [];
    for (const t of tables) {
      const rows: { r: string }[] = await ds.query(`SELECT t::text AS r FROM ${t.name} t`);
      parts.push(`-- ${t.name}`, ...rows.map((x) => x.r));
    }
    return parts.join('\n');
  };

  beforeAll(async () => {
    s = await startStack({ IDENTITY_API_KEYS: IDENTITY_KEY });
    ds = new DataSource({ type: 'postgres', url: s.db.url });
    await ds.initialize();
    pii = new PiiCipher(s.config);
  });
  afterAll(async () => {
    await ds?.destroy();
    await s?.close();
  });

  describe('duplicate identities', () => {
    let first: string;
    let second: string;

    beforeAll(async () => {
      first = await start('dup-user-a', { phoneNumber: '6281288880001' });
      second = await start('dup-user-b', { phoneNumber: '6281288880002' });
      const ktpData = { nik: '3201018888000001', name: 'DUPLICATE SYNTHETIC', dateOfBirth: '02-02-1992' };
      await s.control.complete(first, { result: 'VALID', ktpData });
      await s.control.complete(second, { result: 'VALID', ktpData });
    });

    it('should warn NIK_USED_BY_OTHER_USER on both verifications, visible to the partner with a grown version', async () => {
      const a = await json(await call('GET', `/v1/verifications/${first}`, TEST_API_KEY));
      const b = await json(await call('GET', `/v1/verifications/${second}`, TEST_API_KEY));
      expect(a.warnings).toEqual(['NIK_USED_BY_OTHER_USER']);
      expect(b.warnings).toEqual(['NIK_USED_BY_OTHER_USER']);
      expect(a.status).toBe('COMPLETED');
      expect(typeof a.version).toBe('number');
      // The first one was completed before the second existed: the warning was a change of its own.
      const rows = await ds.query(`SELECT version FROM submissions WHERE id = $1`, [first]);
      expect(a.version).toBe(rows[0].version);
    });

    it('should record an event on each and count them in a metric', async () => {
      const events = await ds.query(
        `SELECT submission_id, detail FROM submission_events WHERE type = 'IDENTITY_WARNING' AND submission_id = ANY($1)`,
        [[first, second]],
      );
      expect(events).toHaveLength(2);
      expect(events.find((e: { submission_id: string }) => e.submission_id === first).detail).toEqual({
        warning: 'NIK_USED_BY_OTHER_USER',
        relatedVerificationId: second,
      });
      const metrics = await (await fetch(`${s.baseUrl}/metrics`)).text();
      expect(metrics).toMatch(/onekyc_identity_warnings_total\{warning="NIK_USED_BY_OTHER_USER"\} 2/);
    });

    it('should let operators list the related verifications of either one', async () => {
      const detail = await json(await call('GET', `/admin/submissions/${second}`, TEST_ADMIN_KEY));
      expect(detail.warnings).toEqual(['NIK_USED_BY_OTHER_USER']);
      expect(detail.relatedVerifications).toEqual([
        expect.objectContaining({ id: first, relation: 'NIK', userId: 'dup-user-a', status: 'COMPLETED' }),
      ]);
      const byNik = await json(await call('GET', `/admin/submissions?nik=3201018888000001`, TEST_ADMIN_KEY));
      expect(byNik.data.map((r: { id: string }) => r.id).sort()).toEqual([first, second].sort());
    });

    it('should not warn when the same user verifies the same NIK again', async () => {
      const again = await start('dup-user-a', { phoneNumber: '6281288880001' });
      await s.control.complete(again, {
        result: 'VALID',
        ktpData: { nik: '3201018888000001', name: 'DUPLICATE SYNTHETIC', dateOfBirth: '02-02-1992' },
      });
      // It shares the NIK with dup-user-b's verification (another user): that one is the warning.
      const read = await json(await call('GET', `/v1/verifications/${again}`, TEST_API_KEY));
      expect(read.warnings).toEqual(['NIK_USED_BY_OTHER_USER']);
      const solo = await start('solo-user', { phoneNumber: '6281288880009' });
      const other = await start('solo-user', { phoneNumber: '6281288880009' });
      for (const id of [solo, other]) {
        await s.control.complete(id, {
          result: 'VALID',
          ktpData: { nik: '3201017777000009', name: 'SOLO', dateOfBirth: '01-01-1980' },
        });
      }
      expect((await json(await call('GET', `/v1/verifications/${other}`, TEST_API_KEY))).warnings).toEqual(
        [],
      );
    });

    it("should surface the provider's PHONE_HAS_BEEN_USED as CONTACT_USED_BY_OTHER_NIK", async () => {
      const id = await start('contact-user', { phoneNumber: '6281288880003' });
      await s.control.complete(id, { result: 'INVALID', reasonCode: 'PHONE_HAS_BEEN_USED' });
      const read = await json(await call('GET', `/v1/verifications/${id}`, TEST_API_KEY));
      expect(read).toMatchObject({
        reasonCode: 'PHONE_HAS_BEEN_USED',
        warnings: ['CONTACT_USED_BY_OTHER_NIK'],
      });
      const events = await ds.query(
        `SELECT detail FROM submission_events WHERE type = 'IDENTITY_WARNING' AND submission_id = $1`,
        [id],
      );
      expect(events).toEqual([{ detail: { warning: 'CONTACT_USED_BY_OTHER_NIK' } }]);
      const metrics = await (await fetch(`${s.baseUrl}/metrics`)).text();
      expect(metrics).toMatch(/onekyc_identity_warnings_total\{warning="CONTACT_USED_BY_OTHER_NIK"\} 1/);
    });
  });

  describe('erasure', () => {
    let ids: string[];
    let keep: string;
    const secrets: string[] = [];

    beforeAll(async () => {
      ids = [
        await start(ERASED.userId, { phoneNumber: ERASED.phone, email: ERASED.email }),
        await start(ERASED.userId, { email: ERASED.email }),
      ];
      await s.control.complete(ids[0], {
        result: 'VALID',
        ktpData: { nik: ERASED.nik, name: ERASED.name, dateOfBirth: '03-03-1993' },
      });
      await s.control.complete(ids[1], {
        status: 'PARTIALLY_COMPLETED',
        ktpData: { nik: ERASED.nik, name: ERASED.name },
      });
      // A callback for a session we never issued, naming the same user: quarantined.
      const stray = await fetch(`${s.baseUrl}/v1/callbacks/onekyc`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: TEST_CALLBACK_SECRET },
        body: JSON.stringify({
          submissionId: 'prov-stray-1',
          partnerSessionId: crypto.randomUUID(),
          userId: ERASED.userId,
          userIdType: 'USER_ID',
          status: 'COMPLETED',
          result: 'VALID',
          submissionDetails: { ktpData: { nik: ERASED.nik, name: ERASED.name } },
        }),
      });
      expect(stray.status).toBe(200);
      // Someone else, who must keep everything.
      keep = await start('dsr-bystander', { phoneNumber: '6281299990002' });
      await s.control.complete(keep, {
        result: 'VALID',
        ktpData: { nik: '3201019999000002', name: 'BYSTANDER SYNTHETIC', dateOfBirth: '04-04-1994' },
      });

      // What of the user is stored, in every form: ciphertexts and blind indexes.
      const rows = await ds.query(
        `SELECT ktp_enc, contact_enc, contact_hash, image_urls_enc, nik_hash FROM submissions WHERE id = ANY($1)`,
        [ids],
      );
      for (const r of rows)
        secrets.push(...Object.values(r).filter((v): v is string => typeof v === 'string'));
      const payloads = await ds.query(
        `SELECT payload_enc FROM submission_events WHERE submission_id = ANY($1) AND payload_enc IS NOT NULL`,
        [ids],
      );
      secrets.push(...payloads.map((p: { payload_enc: string }) => p.payload_enc));
      const quarantined = await ds.query(`SELECT payload_enc FROM unmatched_callbacks`);
      secrets.push(...quarantined.map((p: { payload_enc: string }) => p.payload_enc));
      secrets.push(
        pii.blindIndex('nik', ERASED.nik),
        pii.blindIndex('phone', ERASED.phone),
        pii.blindIndex('email', ERASED.email),
      );
    });

    const needles = () => [ERASED.nik, ERASED.name, ERASED.phone, ERASED.email, ...secrets];

    it('should find the user’s data in a pg_dump before the erasure (the scan can fail)', async () => {
      const text = await dump();
      expect(secrets.length).toBeGreaterThan(8);
      expect(secrets.every((x) => text.includes(x))).toBe(true);
    });

    it('should refuse a request without a reason, or with a bad user id, naming the field', async () => {
      for (const [payload, field] of [
        [{ userId: ERASED.userId }, 'reason'],
        [{ userId: ERASED.userId, reason: '   ' }, 'reason'],
        [{ reason: 'x' }, 'userId'],
        [{ userId: '', reason: 'x' }, 'userId'],
        [{ userId: ERASED.userId, reason: 'x', extra: 1 }, 'extra'],
      ] as const) {
        const res = await call('POST', '/admin/erasures', TEST_ADMIN_KEY, payload);
        expect({ field, status: res.status }).toEqual({ field, status: 400 });
        expect((await json(res)).errors.map((e: { field: string }) => e.field)).toContain(field);
      }
      expect((await call('POST', '/admin/erasures', TEST_API_KEY, { userId: 'x', reason: 'y' })).status).toBe(
        401,
      );
      // Nothing was erased by the refusals.
      expect((await call('GET', `/v1/verifications/${ids[0]}/identity`, IDENTITY_KEY)).status).toBe(200);
    });

    it('should erase the user’s personal data, keep ids and outcomes, and audit the reason', async () => {
      const res = await call('POST', '/admin/erasures', TEST_ADMIN_KEY, {
        userId: ERASED.userId,
        reason: 'Data subject request DSR-1',
      });
      expect(res.status).toBe(200);
      const out = await json(res);
      expect(out).toMatchObject({ userId: ERASED.userId, userIdType: 'USER_ID' });
      expect([...out.verifications].sort()).toEqual([...ids].sort());
      expect(new Date(out.erasedAt).getTime()).toBeGreaterThan(Date.now() - 60_000);

      const kept = await json(await call('GET', `/v1/verifications/${ids[0]}`, TEST_API_KEY));
      expect(kept).toMatchObject({ id: ids[0], status: 'COMPLETED', result: 'VALID', userId: ERASED.userId });
      const second = await json(await call('GET', `/v1/verifications/${ids[1]}`, TEST_API_KEY));
      expect(second.status).toBe('PARTIALLY_COMPLETED');

      const gone = await call('GET', `/v1/verifications/${ids[0]}/identity`, IDENTITY_KEY);
      expect(gone.status).toBe(410);
      expect(gone.headers.get('content-type')).toContain('application/problem+json');

      const redacted = await ds.query(
        `SELECT submission_id, source, detail FROM submission_events WHERE type = 'PII_REDACTED' AND submission_id = ANY($1)`,
        [ids],
      );
      expect(redacted).toHaveLength(2);
      expect(redacted[0]).toMatchObject({
        source: 'admin',
        detail: { erasure: true, reason: 'Data subject request DSR-1', contacts: true },
      });

      const audit = await json(
        await call('GET', `/admin/audit-log?action=erasure&submissionId=${ids[0]}`, TEST_ADMIN_KEY),
      );
      expect(audit.data).toHaveLength(1);
      expect(audit.data[0]).toMatchObject({
        actorKind: 'admin',
        detail: {
          reason: 'Data subject request DSR-1',
          userId: ERASED.userId,
          verifications: 2,
          quarantinedCallbacks: 1,
        },
      });

      const admin = await json(await call('GET', `/admin/submissions/${ids[0]}?reveal=true`, TEST_ADMIN_KEY));
      expect(admin).toMatchObject({
        piiRedacted: true,
        nik: null,
        name: null,
        phoneNumber: null,
        email: null,
        ktpData: null,
      });
    });

    it('should leave none of the user’s personal data in a pg_dump, and the bystander’s intact', async () => {
      const text = await dump();
      const found = needles().filter((x) => text.includes(x));
      expect(found).toEqual([]);
      expect(text).toContain(pii.blindIndex('nik', '3201019999000002'));
      const bystander = await call('GET', `/v1/verifications/${keep}/identity`, IDENTITY_KEY);
      expect((await json(bystander)).ktpData).toMatchObject({ name: 'BYSTANDER SYNTHETIC' });
    });

    it('should be idempotent: a repeat answers the same verifications and emits no new redaction', async () => {
      const before = await ds.query(
        `SELECT count(*)::int AS n FROM submission_events WHERE type = 'PII_REDACTED'`,
      );
      const res = await call('POST', '/admin/erasures', TEST_ADMIN_KEY, {
        userId: ERASED.userId,
        reason: 'repeat',
      });
      expect(res.status).toBe(200);
      expect([...(await json(res)).verifications].sort()).toEqual([...ids].sort());
      expect(
        await ds.query(`SELECT count(*)::int AS n FROM submission_events WHERE type = 'PII_REDACTED'`),
      ).toEqual(before);
      const unknown = await json(
        await call('POST', '/admin/erasures', TEST_ADMIN_KEY, {
          userId: 'never-seen',
          userIdType: 'EMAIL',
          reason: 'r',
        }),
      );
      expect(unknown).toMatchObject({ userId: 'never-seen', userIdType: 'EMAIL', verifications: [] });
    });

    it('should never let personal data land again on an erased verification', async () => {
      await s.control.complete(ids[1], { result: 'VALID', ktpData: { nik: ERASED.nik, name: ERASED.name } });
      const row = await ds.query(`SELECT status, ktp_enc, nik_hash FROM submissions WHERE id = $1`, [ids[1]]);
      expect(row[0]).toEqual({ status: 'COMPLETED', ktp_enc: null, nik_hash: null });
      const text = await dump();
      expect(
        [ERASED.nik, ERASED.name, pii.blindIndex('nik', ERASED.nik)].filter((x) => text.includes(x)),
      ).toEqual([]);
    });
  });
});
