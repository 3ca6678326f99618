// Property-based hostile input (fast-check, fixed seeds): arbitraries for values, bodies, query
// strings, paths and headers, and a runner that sends every generated request over one keep-alive
// agent and counts what came back. Generation is chunked (500 cases per sample, seed + chunk) so
// 10,000 cases with 200 KiB strings never sit in memory at once, and every run is reproducible.
import { Agent, request } from 'node:http';
import fc from 'fast-check';

export interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface FuzzAnswer {
  status: number;
  contentType: string;
  body: string;
  error?: string;
}

/** encodeURIComponent that survives lone surrogates (they become U+FFFD, as a browser would send). */
export function encode(s: string): string {
  return encodeURIComponent(
    s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'),
  );
}

// --- values --------------------------------------------------------------------------------------

export const PROTO_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '__defineGetter__',
];

export const INJECTIONS = [
  "' OR '1'='1",
  "'; DROP TABLE submissions; --",
  '1; SELECT pg_sleep(10) --',
  "' UNION SELECT payload_enc FROM submission_events --",
  '$1',
  '\\',
  "\\'; --",
  '%27%20OR%201%3D1',
  '%00',
  '\u0000',
  '${jndi:ldap://127.0.0.1/x}',
  '{{7*7}}',
  '../../../../etc/passwd',
  '<script>alert(1)</script>',
  '\r\nSet-Cookie: injected=1',
  '\nX-Injected: 1',
  'null',
  'undefined',
  'NaN',
  '1e309',
  '-0',
  '0x1F',
  '[object Object]',
  '\u202e\u0000\ufeff',
  '\ud800',
  '𝕏𝕐ℤ',
  'ǅǈǋ',
  '\u200b\u200c\u200d',
];

/** Strings a validator must survive: unicode, control characters, injections, and up to 200 KiB. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 9, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 6, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 9, arbitrary: fc.constantFrom(...INJECTIONS) },
  { weight: 3, arbitrary: fc.constantFrom('', ' ', '\t\n', 'a'.repeat(129), 'a'.repeat(2049)) },
  {
    // Huge: 1 in 28 (enough to cross every length limit and the 256 KiB body limit often).
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: 1_000, max: 200_000 }), fc.constantFrom('a', '9', 'é', '𝕏', '\u0000', "'"))
      .map(([n, c]) => c.repeat(Math.ceil(n / c.length))),
  },
);

/** JSON values of the wrong type, shape or size, including keys that target prototypes. */
export const hostileValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 4, arbitrary: hostileString },
    { weight: 2, arbitrary: fc.integer() },
    { weight: 2, arbitrary: fc.double() },
    { weight: 2, arbitrary: fc.boolean() },
    { weight: 2, arbitrary: fc.constant(null) },
    { weight: 3, arbitrary: fc.array(tie('value'), { maxLength: 4 }) },
    {
      weight: 3,
      arbitrary: fc.dictionary(
        fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom(...PROTO_KEYS)),
        tie('value'),
        {
          maxKeys: 4,
        },
      ),
    },
    {
      weight: 1,
      arbitrary: fc.integer({ min: 1_000, max: 20_000 }).map((n) => Array.from({ length: n }, (_, i) => i)),
    },
  ),
})).value;

/** JSON text for an object, with `__proto__` kept as an own key (JSON.stringify of a literal would drop it). */
export function jsonWithKeys(obj: Record<string, unknown>, extra: [string, unknown][] = []): string {
  const parts = Object.entries(obj).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v) ?? 'null'}`);
  for (const [k, v] of extra) parts.push(`${JSON.stringify(k)}:${JSON.stringify(v) ?? 'null'}`);
  return `{${parts.join(',')}}`;
}

/** Raw JSON-ish text that is deeply nested, truncated, or not JSON at all. */
export const hostileJsonText: fc.Arbitrary<string> = fc.oneof(
  fc.integer({ min: 50, max: 20_000 }).map((d) => '['.repeat(d) + ']'.repeat(d)),
  fc.integer({ min: 50, max: 10_000 }).map((d) => '{"a":'.repeat(d) + '1' + '}'.repeat(d)),
  fc.integer({ min: 50, max: 20_000 }).map((d) => '['.repeat(d)),
  fc.json().map((j) => j.slice(0, Math.max(0, j.length - 1))),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.constantFrom(
    '',
    'null',
    'true',
    '0',
    '"string"',
    '[]',
    '{',
    '{"a":}',
    '{"a":1,}',
    "{'a':1}",
    '\u0000',
    '1e309',
    '{"__proto__":{"polluted":1}}',
    '{"constructor":{"prototype":{"polluted":1}}}',
  ),
);

export const contentTypes = fc.oneof(
  { weight: 8, arbitrary: fc.constant('application/json') },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=----rel',
      'application/json; charset=utf-16le',
      'application/json; charset=latin1',
      'application/xml',
      'application/json, text/plain',
      'APPLICATION/JSON',
      'application/vnd.api+json',
      'application/problem+json',
      'application/octet-stream',
      '*/*',
      'json',
    ),
  },
);

/** Printable latin-1 (what an HTTP client can put in a header at all), injections included. */
export const headerValue: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 80 }),
  fc.string({ unit: fc.integer({ min: 0xa0, max: 0xff }).map((c) => String.fromCharCode(c)), maxLength: 20 }),
  fc.constantFrom(
    "' OR 1=1 --",
    'Bearer',
    'Bearer ',
    'Basic YWRtaW46YWRtaW4=',
    '${jndi:x}',
    'a'.repeat(8000),
  ),
);

/** One path segment: encoded hostile strings, dot segments, malformed percent-escapes. */
export const pathSegment: fc.Arbitrary<string> = fc.oneof(
  hostileString.map((s) => encode(s.slice(0, 4000))),
  fc.constantFrom(
    '..',
    '.',
    '%2e%2e',
    '%2F',
    '%00',
    '%E0%A4%A',
    '%',
    '%zz',
    '00000000-0000-0000-0000-000000000000',
    'ffffffff-ffff-ffff-ffff-ffffffffffff',
    'null',
    '-1',
    '1e9',
  ),
  fc.uuid(),
);

/** `?k=v&...` with repeated keys, prototype keys, bracket notation and malformed escapes. */
export function queryString(names: string[]): fc.Arbitrary<string> {
  const key = fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(...names) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        ...PROTO_KEYS,
        'constructor[prototype][polluted]',
        '__proto__[polluted]',
        'a[b]',
        'limit[]',
      ),
    },
    { weight: 1, arbitrary: fc.string({ maxLength: 10 }) },
  );
  const value = fc.oneof(
    hostileString.map((s) => encode(s.slice(0, 3000))),
    fc.constantFrom(
      '',
      '%',
      '%E0%A4%A',
      '%zz',
      '-1',
      '0',
      '101',
      '1.5',
      '1e3',
      'true',
      'NaN',
      '2024-02-30',
      '2024-13-01T00:00:00Z',
      '9999-12-31',
      '0000-01-01',
    ),
  );
  return fc
    .array(fc.tuple(key, value), { maxLength: 6 })
    .map((pairs) => (pairs.length ? '?' + pairs.map(([k, v]) => `${encode(k)}=${v}`).join('&') : ''));
}

/** Size refusals any route may give: body over 256 KiB, path parameter too long, head over 16 KiB. */
const SIZE_LIMITS = [413, 414, 431];

// --- runner --------------------------------------------------------------------------------------

export interface FuzzStats {
  cases: number;
  byStatus: Record<string, number>;
  fiveXx: { req: string; status: number; body: string }[];
  notProblem: { req: string; status: number; contentType: string }[];
  unexpected: { req: string; status: number; body: string }[];
  clientErrors: number;
  resent: number;
  ms: number;
}

export function describeRequest(r: FuzzRequest): string {
  const body = r.body === undefined ? '' : ` body(${r.body.length}): ${r.body.slice(0, 200)}`;
  return `${r.method} ${r.path.slice(0, 200)} ${JSON.stringify(r.headers).slice(0, 200)}${body}`;
}

export class FuzzClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 16 });
  constructor(private readonly base: string) {}

  send(r: FuzzRequest, timeoutMs = 30_000, fresh = false): Promise<FuzzAnswer> {
    return new Promise((resolve) => {
      let req;
      try {
        req = request(
          this.base + r.path,
          {
            method: r.method,
            headers:
              r.body === undefined
                ? r.headers
                : { ...r.headers, 'content-length': String(Buffer.byteLength(r.body)) },
            agent: fresh ? false : this.agent,
            timeout: timeoutMs,
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () =>
              resolve({
                status: res.statusCode ?? 0,
                contentType: String(res.headers['content-type'] ?? ''),
                body: Buffer.concat(chunks).toString('utf8'),
              }),
            );
            res.on('error', (err) => resolve({ status: 0, contentType: '', body: '', error: String(err) }));
          },
        );
      } catch (err) {
        // The request cannot even be written (an invalid header for Node's client): not sent.
        resolve({ status: -1, contentType: '', body: '', error: String(err) });
        return;
      }
      req.on('timeout', () => req.destroy(new Error('TIMEOUT')));
      req.on('error', (err) => resolve({ status: 0, contentType: '', body: '', error: String(err) }));
      if (r.body !== undefined) req.write(r.body);
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/**
 * Sends `cases` requests drawn from `arb` (seeded), `concurrency` at a time; `onAnswer` sees each
 * request with its answer (to collect ids of accepted ones). Never stops early: every case counts.
 */
export async function runFuzz(
  client: FuzzClient,
  arb: fc.Arbitrary<FuzzRequest>,
  opts: {
    seed: number;
    cases: number;
    allowed: number[];
    concurrency?: number;
    onAnswer?: (r: FuzzRequest, a: FuzzAnswer) => void;
  },
): Promise<FuzzStats> {
  const stats: FuzzStats = {
    cases: 0,
    byStatus: {},
    fiveXx: [],
    notProblem: [],
    unexpected: [],
    clientErrors: 0,
    resent: 0,
    ms: 0,
  };
  const started = performance.now();
  const chunk = 500;
  for (let c = 0; c * chunk < opts.cases; c++) {
    const batch = fc.sample(arb, { seed: opts.seed + c, numRuns: Math.min(chunk, opts.cases - c * chunk) });
    let next = 0;
    await Promise.all(
      Array.from({ length: opts.concurrency ?? 8 }, async () => {
        for (;;) {
          const i = next++;
          if (i >= batch.length) return;
          const r = batch[i];
          let a = await client.send(r);
          if (a.status === 0 && /socket hang up|ECONNRESET/.test(a.error ?? '')) {
            // A keep-alive socket the server closed after an earlier answer: the request never
            // reached the app. Sent again once on a fresh connection; a second failure counts.
            stats.resent++;
            a = await client.send(r, 30_000, true);
          }
          if (a.status === -1) {
            stats.clientErrors++;
            continue;
          }
          stats.cases++;
          stats.byStatus[a.status] = (stats.byStatus[a.status] ?? 0) + 1;
          if (a.status >= 500 || a.status === 0) {
            if (stats.fiveXx.length < 20)
              stats.fiveXx.push({
                req: describeRequest(r),
                status: a.status,
                body: (a.error ?? a.body).slice(0, 300),
              });
          } else if (!opts.allowed.includes(a.status) && !SIZE_LIMITS.includes(a.status)) {
            if (stats.unexpected.length < 20)
              stats.unexpected.push({
                req: describeRequest(r),
                status: a.status,
                body: a.body.slice(0, 300),
              });
          }
          if (
            a.status >= 400 &&
            !a.contentType.startsWith('application/problem+json') &&
            stats.notProblem.length < 20
          ) {
            stats.notProblem.push({ req: describeRequest(r), status: a.status, contentType: a.contentType });
          }
          opts.onAnswer?.(r, a);
        }
      }),
    );
  }
  stats.ms = performance.now() - started;
  return stats;
}
