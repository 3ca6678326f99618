// Scenario 5, fuzzing: property-based malformed and hostile input (fast-check, fixed seeds, 10,000
// cases per endpoint) to every public route of one in-process app (the real createApp, on its own
// database, with an in-process provider sandbox), over HTTP with keep-alive. Never a 5xx, never a
// crash, every refusal problem+json, no prototype polluted, and no row changed by a request that
// was refused (a table fingerprint before and after each endpoint, minus the rows of the requests
// the service accepted). Hand-written raw-socket cases cover what an HTTP client cannot send
// (CR/LF in headers, smuggling, oversized heads).
import { connect } from 'node:net';
import fc from 'fast-check';
import { Client } from 'pg';
import { TEST_ADMIN_KEY, TEST_API_KEY, TEST_CALLBACK_SECRET } from '../support/app.js';
import { startStack, TestStack } from '../support/stack.js';
import {
  contentTypes,
  encode,
  FuzzClient,
  FuzzRequest,
  FuzzStats,
  headerValue,
  hostileJsonText,
  hostileString,
  hostileValue,
  jsonWithKeys,
  pathSegment,
  PROTO_KEYS,
  queryString,
  runFuzz,
} from './support/fuzz.js';
import { changedRows, changedTables, snapshotTables } from './support/postgres.js';
import { Recorder } from './support/results.js';

const CASES = Number(process.env.REL_FUZZ_CASES ?? 10_000);
const SEED = 20_251_126;
const CONCURRENCY = Number(process.env.REL_FUZZ_CONCURRENCY ?? 8);

const partnerAuth = { authorization: `Bearer ${TEST_API_KEY}` };
const adminAuth = { authorization: `Bearer ${TEST_ADMIN_KEY}` };
const callbackAuth = { authorization: TEST_CALLBACK_SECRET };

const VERIFICATION_FIELDS = [
  'userId',
  'userIdType',
  'phoneNumber',
  'email',
  'verification',
  'userLocale',
  'successRedirectionUrl',
  'failureRedirectionUrl',
];
const CALLBACK_FIELDS = [
  'partnerSessionId',
  'submissionId',
  'status',
  'result',
  'reasonCode',
  'userId',
  'userIdType',
  'submissionDetails',
];

function wellFormed(s: string): string {
  return s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

function validVerification(n: number): Record<string, unknown> {
  return {
    userId: `fuzz-user-${n}`,
    phoneNumber: `6281300${String(n).padStart(6, '0')}`,
    verification: { isVerified: true, verificationReferenceId: `fuzz-ref-${n}` },
  };
}

/** A body built from a valid one by one hostile edit, or a hostile value, or hostile text. */
function bodyArb(
  base: fc.Arbitrary<Record<string, unknown>>,
  fields: string[],
  nested?: string,
): fc.Arbitrary<string> {
  const field = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...fields) },
    { weight: 1, arbitrary: fc.constantFrom(...PROTO_KEYS) },
    { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  );
  const edit = fc
    .tuple(base, fc.constantFrom('set', 'set', 'delete', 'proto', 'nested'), field, hostileValue)
    .map(([b, op, f, v]) => {
      const copy: Record<string, unknown> = structuredClone(b);
      if (op === 'delete') {
        delete copy[f];
        return JSON.stringify(copy);
      }
      if (op === 'proto')
        return jsonWithKeys(copy, [
          [PROTO_KEYS[Math.abs(JSON.stringify(v)?.length ?? 0) % 2], { polluted: v, isVerified: true }],
        ]);
      if (op === 'nested' && nested && copy[nested] && typeof copy[nested] === 'object') {
        const inner = copy[nested] as Record<string, unknown>;
        const key = Object.keys(inner)[Math.abs(f.length) % Math.max(1, Object.keys(inner).length)] ?? f;
        inner[key] = v;
        return JSON.stringify(copy);
      }
      if (f === '__proto__') return jsonWithKeys(copy, [[f, v]]);
      copy[f] = v;
      return JSON.stringify(copy);
    });
  return fc.oneof(
    { weight: 6, arbitrary: edit },
    { weight: 2, arbitrary: hostileValue.map((v) => JSON.stringify(v) ?? 'null') },
    { weight: 2, arbitrary: hostileJsonText },
    { weight: 1, arbitrary: base.map((b) => JSON.stringify(b)) },
  );
}

describe('scenario 5: fuzzing every public route', () => {
  const rec = new Recorder('5-fuzzing', '5. Fuzzing');
  let t: TestStack;
  let client: FuzzClient;
  let pg: Client;
  const known: string[] = [];
  let validCursor = '';
  let unmatchedCursor = '';
  const totals = {
    cases: 0,
    fiveXx: 0,
    notProblem: 0,
    unexpected: 0,
    changedRows: 0,
    acknowledged: 0,
    lost: 0,
  };
  const errors: unknown[] = [];
  const onError = (err: unknown) => errors.push(err);
  const protoBefore = Object.getOwnPropertyNames(Object.prototype).sort().join();

  beforeAll(async () => {
    process.on('uncaughtException', onError);
    process.on('unhandledRejection', onError);
    t = await startStack({ API_RATE_LIMIT_PER_MINUTE: '1000000' });
    client = new FuzzClient(t.baseUrl);
    pg = new Client({ connectionString: t.db.url });
    await pg.connect();
    // Rows for the routes to find: initiated, completed (with KTP data and events), quarantined.
    for (let i = 0; i < 6; i++) {
      const res = await fetch(`${t.baseUrl}/v1/verifications`, {
        method: 'POST',
        headers: { ...partnerAuth, 'content-type': 'application/json' },
        body: JSON.stringify(validVerification(900_000 + i)),
      });
      expect(res.status).toBe(201);
      known.push(((await res.json()) as { id: string }).id);
    }
    for (const id of known.slice(0, 3)) await t.control.complete(id, { result: 'VALID' });
    await t.control.complete(known[3], { status: 'IN_PROGRESS' });
    await t.control.complete('0b5e6b1e-aaaa-4bbb-8ccc-000000000001', {
      userId: 'ghost',
      userIdType: 'USER_ID',
    });
    const list = (await (
      await fetch(`${t.baseUrl}/admin/submissions?limit=1`, { headers: adminAuth })
    ).json()) as { nextCursor: string };
    validCursor = list.nextCursor;
    const um = (await (
      await fetch(`${t.baseUrl}/admin/callbacks/unmatched?limit=1`, { headers: adminAuth })
    ).json()) as { nextCursor?: string };
    unmatchedCursor = um.nextCursor ?? validCursor;
  });

  afterAll(async () => {
    process.off('uncaughtException', onError);
    process.off('unhandledRejection', onError);
    client?.close();
    await pg?.end();
    await t?.close();
  });

  const cursorArb = () =>
    fc.oneof(
      fc.constant(validCursor),
      fc.constant(unmatchedCursor),
      fc.tuple(fc.nat(), fc.constantFrom('x', 'A', '.', '-', '_', '=')).map(([i, c]) => {
        const s = validCursor;
        const at = i % s.length;
        return s.slice(0, at) + c + s.slice(at + 1);
      }),
      fc.nat(40).map((n) => validCursor.slice(0, validCursor.length - n)),
      fc.constant(validCursor.split('.')[0]),
      fc.constant(validCursor + '.' + validCursor),
      fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? '').toString('base64url') + '.' + 'AAAA'),
      fc.constant(
        Buffer.from(
          '{"v":1,"k":"submissions","t":"2020-01-01T00:00:00.000000Z","i":"x\' OR 1=1","f":""}',
        ).toString('base64url') + '.sig',
      ),
      hostileString.map((s) => s.slice(0, 600)),
    );

  const SHARED_COUNTERS = ['provider_call_budget'];

  /**
   * Waits (up to 30 s) until the evidence archive has no download pending: verifications completed
   * earlier are archived in the background, and those writes are not the fuzzed requests'.
   */
  async function settleBackgroundWork(): Promise<void> {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const r = await pg.query(`SELECT count(*)::int AS n FROM evidence_objects WHERE status = 'PENDING'`);
      if (r.rows[0].n === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** Runs one endpoint's cases and checks the fingerprint; `accepted` collects ids of writes allowed. */
  async function endpoint(
    name: string,
    arb: fc.Arbitrary<FuzzRequest>,
    allowed: number[],
    seedOffset: number,
    writes?: {
      keys: Record<string, string>;
      accepted: (r: FuzzRequest, status: number, body: string) => string | undefined;
    },
  ): Promise<FuzzStats & { accepted: string[] }> {
    const accepted: string[] = [];
    await settleBackgroundWork();
    if (writes?.keys.submissions) {
      writes.keys.webhook_events ??= 'submission_id';
      writes.keys.evidence_objects ??= 'submission_id';
    }
    const before = await snapshotTables(pg, writes?.keys ?? {});
    const stats = await runFuzz(client, arb, {
      seed: SEED + seedOffset * 1000,
      cases: CASES,
      allowed,
      concurrency: CONCURRENCY,
      onAnswer: (r, a) => {
        const id = writes?.accepted(r, a.status, a.body);
        if (id) accepted.push(id);
      },
    });
    await settleBackgroundWork();
    const after = await snapshotTables(pg, writes?.keys ?? {});
    // Rows an accepted verification legitimately writes besides its own: its webhook events and
    // evidence downloads (keyed by the verification) and the cluster's provider-call counter (one row per second, bumped by
    // every provider call; it must stay untouched when nothing was accepted).
    const changed = changedTables(before, after, accepted).filter(
      (t) => !(accepted.length > 0 && SHARED_COUNTERS.includes(t)),
    );
    for (const t of changed)
      console.log(
        `[fuzz ${name}] rows changed in ${t}:\n  ${changedRows(before, after, t, accepted).slice(0, 3).join('\n  ').slice(0, 1500)}`,
      );
    const live = await client.send({ method: 'GET', path: '/health/live', headers: {} });
    totals.cases += stats.cases;
    totals.fiveXx += stats.fiveXx.length
      ? Object.entries(stats.byStatus)
          .filter(([s]) => Number(s) >= 500 || s === '0')
          .reduce((n, [, v]) => n + v, 0)
      : 0;
    totals.notProblem += stats.notProblem.length;
    totals.unexpected += stats.unexpected.length;
    totals.changedRows += changed.length;
    rec.figure(
      `${name}`,
      `${stats.cases} cases in ${(stats.ms / 1000).toFixed(1)} s; ${Object.entries(stats.byStatus)
        .map(([s, n]) => `${s}×${n}`)
        .join(
          ' ',
        )}${accepted.length ? `; accepted ${accepted.length}` : ''}${changed.length ? `; CHANGED ${changed.join(',')}` : ''}`,
    );
    for (const f of [...stats.fiveXx, ...stats.unexpected].slice(0, 8)) {
      console.log(`[fuzz ${name}] ${f.status} ← ${f.req.slice(0, 300)}\n    ${f.body.slice(0, 200)}`);
    }
    for (const f of stats.notProblem.slice(0, 3))
      console.log(`[fuzz ${name}] not problem+json: ${f.status} ${f.contentType} ← ${f.req.slice(0, 200)}`);
    rec.check(
      stats.fiveXx.length === 0,
      `${name}: 5xx for ${stats.fiveXx[0]?.req ?? ''} → ${stats.fiveXx[0]?.status} ${stats.fiveXx[0]?.body ?? ''}`,
    );
    rec.check(changed.length === 0, `${name}: rows changed by refused requests in ${changed.join(', ')}`);
    rec.check(
      stats.notProblem.length === 0,
      `${name}: non-problem+json error for ${stats.notProblem[0]?.req ?? ''}`,
    );
    rec.check(
      stats.unexpected.length === 0,
      `${name}: unexpected status ${stats.unexpected[0]?.status} for ${stats.unexpected[0]?.req ?? ''}`,
    );
    rec.set({ inputs: totals.cases, badInput5xx: totals.fiveXx });
    expect(stats.fiveXx).toEqual([]);
    expect(live.status).toBe(200);
    expect(changed).toEqual([]);
    expect(stats.notProblem).toEqual([]);
    expect(stats.unexpected).toEqual([]);
    expect(stats.cases).toBeGreaterThanOrEqual(CASES * 0.99);
    return { ...stats, accepted };
  }

  const idArb = () =>
    fc.oneof({ weight: 1, arbitrary: fc.constantFrom(...known) }, { weight: 4, arbitrary: pathSegment });
  const req = (
    method: string,
    path: string,
    headers: Record<string, string>,
    body?: string,
  ): FuzzRequest => ({ method, path, headers, body });

  it('POST /v1/verifications', async () => {
    let n = 0;
    const base = fc.constant(null).map(() => validVerification(n++));
    const arb = fc
      .tuple(
        bodyArb(base, VERIFICATION_FIELDS, 'verification'),
        contentTypes,
        fc.option(headerValue, { nil: undefined }),
      )
      .map(([body, ct, idem]) =>
        req(
          'POST',
          '/v1/verifications',
          { ...partnerAuth, 'content-type': ct, ...(idem !== undefined ? { 'idempotency-key': idem } : {}) },
          body,
        ),
      );
    const r = await endpoint('POST /v1/verifications', arb, [201, 400, 409, 413, 415], 1, {
      keys: { submissions: 'id', submission_events: 'submission_id', idempotency_keys: 'submission_id' },
      accepted: (_r, status, body) => (status === 201 ? JSON.parse(body).id : undefined),
    });
    // What was acknowledged (201) must be there.
    const found = (
      await pg.query(
        `SELECT count(*)::int AS n FROM submissions WHERE id::text = ANY($1::text[]) AND initiated_at IS NOT NULL`,
        [r.accepted],
      )
    ).rows[0].n;
    totals.acknowledged += r.accepted.length;
    totals.lost += r.accepted.length - found;
    expect(found).toBe(r.accepted.length);
  });

  it('GET /v1/verifications/:id', async () => {
    const arb = fc
      .tuple(idArb(), queryString(['x']))
      .map(([id, q]) => req('GET', `/v1/verifications/${id}${q}`, partnerAuth));
    await endpoint('GET /v1/verifications/:id', arb, [200, 400, 404], 2);
  });

  it('GET /v1/verifications?userId=', async () => {
    const arb = queryString(['userId', 'userIdType', 'limit', 'cursor']).map((q) =>
      req('GET', `/v1/verifications${q}`, partnerAuth),
    );
    await endpoint('GET /v1/verifications?userId=', arb, [200, 400], 3);
  });

  for (const [i, method] of (['POST', 'PUT', 'PATCH'] as const).entries()) {
    it(`${method} /v1/callbacks/onekyc`, async () => {
      const base = fc
        .tuple(
          fc.constantFrom(...known, '0b5e6b1e-aaaa-4bbb-8ccc-00000000ffff'),
          fc.constantFrom('IN_PROGRESS', 'PARTIALLY_COMPLETED', 'COMPLETED', 'ERROR'),
          fc.constantFrom('VALID', 'INVALID', undefined),
        )
        .map(([id, status, result]) => ({
          submissionId: `SUB-${id.slice(0, 8)}`,
          partnerSessionId: id,
          userId: 'fuzz-user',
          userIdType: 'USER_ID',
          status,
          ...(result && status === 'COMPLETED' ? { result } : {}),
          submissionDetails: { ktpData: { nik: '3171010101900001', name: 'FUZZ NAME' } },
        }));
      const arb = fc
        .tuple(bodyArb(base, CALLBACK_FIELDS, 'submissionDetails'), contentTypes)
        .map(([body, ct]) =>
          req(method, '/v1/callbacks/onekyc', { ...callbackAuth, 'content-type': ct }, body),
        );
      await endpoint(`${method} /v1/callbacks/onekyc`, arb, [200, 400, 413, 415], 4 + i, {
        keys: {
          submissions: 'id',
          submission_events: 'submission_id',
          unmatched_callbacks: 'partner_session_id',
        },
        // A lone surrogate in the id is stored as U+FFFD (PostgreSQL text is UTF-8).
        accepted: (r, status) =>
          status === 200 ? wellFormed(String(JSON.parse(r.body!).partnerSessionId)) : undefined,
      });
    });
  }

  it('GET /admin/submissions (filters, bad cursors)', async () => {
    const names = [
      'status',
      'result',
      'userId',
      'userIdType',
      'submissionId',
      'nik',
      'createdFrom',
      'createdTo',
      'limit',
      'cursor',
    ];
    const arb = fc
      .tuple(queryString(names), fc.option(cursorArb(), { nil: undefined }))
      .map(([q, cursor]) => {
        const c = cursor === undefined ? '' : `${q ? '&' : '?'}cursor=${encode(cursor)}`;
        return req('GET', `/admin/submissions${q}${c}`, adminAuth);
      });
    await endpoint('GET /admin/submissions', arb, [200, 400], 7);
  });

  it('GET /admin/submissions/:id', async () => {
    const arb = fc
      .tuple(idArb(), queryString(['reveal']))
      .map(([id, q]) => req('GET', `/admin/submissions/${id}${q}`, adminAuth));
    await endpoint('GET /admin/submissions/:id', arb, [200, 400, 404], 8, {
      keys: { admin_audit_log: 'submission_id' },
      accepted: (r, status) =>
        status === 200 && /reveal=true/.test(r.path) ? r.path.split('/')[3].split('?')[0] : undefined,
    });
  });

  it('POST /admin/submissions/:id/reconcile', async () => {
    const arb = fc
      .tuple(idArb(), fc.option(hostileJsonText, { nil: undefined }), contentTypes)
      .map(([id, body, ct]) =>
        req(
          'POST',
          `/admin/submissions/${id}/reconcile`,
          { ...adminAuth, ...(body !== undefined ? { 'content-type': ct } : {}) },
          body,
        ),
      );
    await endpoint('POST /admin/submissions/:id/reconcile', arb, [200, 201, 400, 404, 413, 415], 9, {
      keys: { submissions: 'id', submission_events: 'submission_id' },
      accepted: (r, status) => (status === 200 || status === 201 ? r.path.split('/')[3] : undefined),
    });
  });

  it('GET /admin/stats', async () => {
    const arb = queryString(['x', 'limit']).map((q) => req('GET', `/admin/stats${q}`, adminAuth));
    await endpoint('GET /admin/stats', arb, [200, 400], 10);
  });

  it('GET /admin/callbacks/unmatched (filters, bad cursors)', async () => {
    const arb = fc
      .tuple(queryString(['limit', 'cursor', 'status']), fc.option(cursorArb(), { nil: undefined }))
      .map(([q, cursor]) =>
        req(
          'GET',
          `/admin/callbacks/unmatched${q}${cursor === undefined ? '' : `${q ? '&' : '?'}cursor=${encode(cursor)}`}`,
          adminAuth,
        ),
      );
    await endpoint('GET /admin/callbacks/unmatched', arb, [200, 400], 16);
  });

  for (const [i, path] of (['/health/live', '/health/ready'] as const).entries()) {
    it(`GET ${path}`, async () => {
      const arb = fc
        .tuple(
          fc.constantFrom(path, `${path}/`, path.replace('/health/', '/health/%2e%2e/'), path.toUpperCase()),
          queryString(['a']),
          fc.constantFrom('GET', 'HEAD'),
          headerValue,
        )
        .map(([p, q, m, h]) => req(m, `${p}${q}`, { accept: h, 'x-request-id': h }));
      await endpoint(`GET ${path}`, arb, [200, 404], 11 + i * 6);
    });
  }

  it('GET /metrics', async () => {
    const arb = fc
      .tuple(queryString(['name[]', 'format']), headerValue)
      .map(([q, h]) => req('GET', `/metrics${q}`, { accept: h }));
    await endpoint('GET /metrics', arb, [200], 12);
  });

  it('GET /docs-json', async () => {
    const arb = fc
      .tuple(queryString(['x']), headerValue)
      .map(([q, h]) => req('GET', `/docs-json${q}`, { accept: h, 'accept-encoding': h }));
    await endpoint('GET /docs-json', arb, [200], 13);
  });

  it('wrong credentials on every route group', async () => {
    const near = (k: string) =>
      fc.oneof(
        fc.constant(`Bearer ${k}x`),
        fc.constant(`Bearer ${k.slice(0, -1)}`),
        fc.constant(`Bearer ${k.toUpperCase()}`),
        fc.constant(`Basic ${Buffer.from(`${k}:`).toString('base64')}`),
        fc.constant(k),
        fc.constant(`Bearer ${k} ${k}`),
      );
    const auth = fc.oneof(
      headerValue,
      headerValue.map((h) => `Bearer ${h}`),
      near(TEST_API_KEY),
      near(TEST_ADMIN_KEY),
      fc.constant(`Bearer ${TEST_ADMIN_KEY}`), // the admin key on /v1 and the partner key on /admin
      fc.constant(`Bearer ${TEST_API_KEY}`),
      fc.constant(undefined),
    );
    const routes = fc.constantFrom(
      ['GET', `/v1/verifications?userId=u`],
      ['GET', `/v1/verifications/${'0b5e6b1e-aaaa-4bbb-8ccc-000000000002'}`],
      ['POST', '/v1/verifications'],
      ['GET', '/admin/stats'],
      ['GET', '/admin/submissions'],
      ['POST', '/v1/callbacks/onekyc'],
    );
    let admittedWithoutKey = 0;
    const arb = fc.tuple(routes, auth).map(([[m, p], a]) => {
      const wrongGroup =
        (p.startsWith('/admin') && a === `Bearer ${TEST_API_KEY}`) ||
        (p.startsWith('/v1/ver') && a === `Bearer ${TEST_ADMIN_KEY}`);
      const headers: Record<string, string> =
        a === undefined ||
        (!wrongGroup && (a === `Bearer ${TEST_API_KEY}` || a === `Bearer ${TEST_ADMIN_KEY}`))
          ? {}
          : { authorization: a };
      return req(m, p, { ...headers, 'content-type': 'application/json' }, m === 'POST' ? '{}' : undefined);
    });
    await endpoint('wrong credentials (all groups)', arb, [401], 14, {
      keys: {},
      accepted: (_r, status) => {
        if (status < 400) admittedWithoutKey++;
        return undefined;
      },
    });
    expect(admittedWithoutKey).toBe(0);
  });

  it('any method on any path', async () => {
    const paths = fc.oneof(
      fc.constantFrom(
        '/v1/verifications',
        '/v1/callbacks/onekyc',
        '/admin/submissions',
        '/admin/stats',
        '/health/live',
        '/metrics',
        '/docs-json',
        '/docs',
        '/',
        '/v1',
        '/admin',
      ),
      fc.array(pathSegment, { minLength: 1, maxLength: 4 }).map((s) => '/' + s.join('/')),
    );
    const arb = fc
      .tuple(
        fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'),
        paths,
        fc.option(hostileJsonText, { nil: undefined }),
        contentTypes,
      )
      .map(([m, p, body, ct]) =>
        req(
          m,
          p,
          {
            ...partnerAuth,
            ...(body !== undefined && m !== 'GET' && m !== 'HEAD' ? { 'content-type': ct } : {}),
          },
          m === 'GET' || m === 'HEAD' ? undefined : body,
        ),
      );
    const allowed = Array.from({ length: 100 }, (_, i) => 200 + i).concat(
      Array.from({ length: 100 }, (_, i) => 400 + i),
    );
    await endpoint('any method, any path', arb, allowed, 15, {
      keys: { submissions: 'id', submission_events: 'submission_id', idempotency_keys: 'submission_id' },
      accepted: (_r, status, body) => {
        if (status !== 201) return undefined;
        try {
          return JSON.parse(body).id;
        } catch {
          return undefined;
        }
      },
    });
  });

  it('raw requests an HTTP client would refuse to send (header injection, smuggling, oversized heads)', async () => {
    const { port } = new URL(t.baseUrl);
    const raw = (text: string) =>
      new Promise<string>((resolve) => {
        const sock = connect(Number(port), '127.0.0.1');
        let out = '';
        sock.setTimeout(5000, () => sock.destroy());
        sock.on('data', (d) => (out += d.toString('latin1')));
        sock.on('close', () => resolve(out));
        sock.on('error', () => resolve(out));
        sock.write(text, 'latin1');
        setTimeout(() => sock.end(), 300);
      });
    const body = '{"userId":"u"}';
    const cases = [
      `GET /v1/verifications/x HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer ${TEST_API_KEY}\r\nX-Request-Id: a\r\nSet-Cookie: injected=1\r\n\r\n`,
      `GET /v1/verifications/x HTTP/1.1\r\nHost: a\r\nX-Request-Id: a\rSet-Cookie: injected=1\r\n\r\n`,
      `GET /v1/verifications/x HTTP/1.1\r\nHost: a\r\nX-Request-Id: a\nSet-Cookie: injected=1\r\n\r\n`,
      `GET /health/live HTTP/1.1\r\nHost: a\r\nX-Folded: a\r\n b\r\n\r\n`,
      `GET /health/live HTTP/1.1\r\nHost: a\r\nX-Nul: a\u0000b\r\n\r\n`,
      `POST /v1/verifications HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer ${TEST_API_KEY}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nContent-Length: 3\r\n\r\n${body}`,
      `POST /v1/verifications HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer ${TEST_API_KEY}\r\nContent-Type: application/json\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /admin/stats HTTP/1.1\r\nHost: a\r\n\r\n`,
      `POST /v1/verifications HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer ${TEST_API_KEY}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n${body}\r\n0\r\n\r\n`,
      `POST /v1/verifications HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer ${TEST_API_KEY}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n${body}`,
      `GET /health/live HTTP/1.1\r\nHost: a\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      `GET /${'a'.repeat(70_000)} HTTP/1.1\r\nHost: a\r\n\r\n`,
      `GE\u0000T /health/live HTTP/1.1\r\nHost: a\r\n\r\n`,
      `GET /health/live HTTP/9.9\r\nHost: a\r\n\r\n`,
      `GET http://evil.example/admin/stats HTTP/1.1\r\nHost: a\r\n\r\n`,
      `GET /health/live\r\n\r\n`,
      `\r\n\r\n\r\n`,
      `GET /v1/verifications/x HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer ${TEST_API_KEY}\r\nAuthorization: Bearer ${TEST_ADMIN_KEY}\r\n\r\n`,
    ];
    let fiveXx = 0;
    let injected = 0;
    for (const c of cases) {
      const out = await raw(c);
      const statuses = [...out.matchAll(/^HTTP\/1\.[01] (\d{3})/gm)].map((m) => Number(m[1]));
      if (statuses.some((s) => s >= 500)) fiveXx++;
      if (/^set-cookie:\s*injected/im.test(out) || /^x-injected/im.test(out)) injected++;
      if (/^HTTP\/1\.[01] 200/m.test(out) && /\/admin\/stats/.test(c) && /"byStatus"|"counts"/.test(out))
        injected++;
    }
    const live = await client.send({ method: 'GET', path: '/health/live', headers: {} });
    rec.figure(
      'raw socket cases (header injection, smuggling, oversized heads)',
      `${cases.length}: 5xx ${fiveXx}, injected header or smuggled request answered ${injected}`,
    );
    totals.cases += cases.length;
    totals.fiveXx += fiveXx;
    rec.set({ inputs: totals.cases, badInput5xx: totals.fiveXx });
    expect(fiveXx).toBe(0);
    expect(injected).toBe(0);
    expect(live.status).toBe(200);
  });

  it('should leave no prototype polluted and no error unhandled', () => {
    const polluted =
      Object.getOwnPropertyNames(Object.prototype).sort().join() !== protoBefore ||
      ({} as Record<string, unknown>).polluted !== undefined ||
      ({} as Record<string, unknown>).isVerified !== undefined;
    rec.set({
      load: `one in-process app, ${CASES.toLocaleString('en')} cases per endpoint, ${CONCURRENCY} in flight over keep-alive`,
      faults: 'none (hostile input only)',
      acknowledged: totals.acknowledged,
      lost: totals.lost,
    });
    rec.figure('prototype polluted', polluted ? 'YES' : 'no');
    rec.figure('uncaught errors / unhandled rejections', errors.length);
    rec.figure('total cases', totals.cases);
    rec.figure('tables changed by refused requests', totals.changedRows);
    rec.check(!polluted, 'Object.prototype was polluted');
    rec.check(errors.length === 0, `unhandled: ${String(errors[0])}`);
    expect(polluted).toBe(false);
    expect(errors.map(String)).toEqual([]);
  });
});
