// admin_list_1m: 1,000,000 submissions generated in SQL (generate_series) with a realistic spread
// (statuses and results, ~350k users of ~3 submissions each plus one heavy QA user, 180 days of
// created_at, provider submission ids, real AES-GCM ciphertexts for contacts and KTP data from a
// pool of 1,000 with the masked forms the store writes beside them (a list page reads only those),
// and NIK blind indexes: 500 NIKs with one or two
// submissions each plus one NIK reused on ~12,000 submissions). Then, for each filter of
// GET /admin/submissions, the 95th percentile of the first page and of a page 10,000 rows deep
// (the cursor found by walking 100 pages of 100), default page size, one request at a time from
// a load-worker process. EXPLAIN ANALYZE of each query is logged.
import { round1 } from './callback-ingest.mjs';
import { KEYS } from '../lib/stack.mjs';

const POOL = 1000;
const HEAVY_NIK = '3171014508900007';
const HEAVY_USER = 'qa-load-user';

export async function adminList(stack, { quick, log }) {
  const rows = quick ? 100_000 : 1_000_000;
  const samples = quick ? 40 : 200;
  const deepRows = quick ? 1_000 : 10_000;
  await stack.resetData();
  const cipher = await stack.cipher();
  const masking = await stack.distImport('submissions/pii/masking.js');

  // Ciphertext pools (the service decrypts them to mask), NIK blind indexes for the lookups.
  // and the masked forms the store writes beside them (what the list shows).
  const contacts = [];
  const ktps = [];
  const maskedWithKtp = [];
  const maskedContactsOnly = [];
  for (let i = 0; i < POOL; i++) {
    const phone = `62812${String(10_000_000 + i * 7919).slice(0, 8)}`;
    const contact = i % 5 === 0 ? { email: `user${i}@example.test` } : { phoneNumber: phone };
    const ktp = {
      nik: `3171${String(100_000_000_000 + i * 104_729).slice(0, 12)}`,
      name: `NAMA PENGGUNA ${i}`,
      dateOfBirth: '17-08-1990',
      address: `JL. MELATI NO. ${i % 120}`,
      province: 'DKI JAKARTA',
      city: 'JAKARTA SELATAN',
      district: 'KEBAYORAN BARU',
    };
    contacts.push(cipher.encryptJson(contact));
    ktps.push(cipher.encryptJson(ktp));
    maskedContactsOnly.push(JSON.stringify(masking.maskedContacts(contact)));
    maskedWithKtp.push(
      JSON.stringify({ ...masking.maskedContacts(contact), ...masking.maskedIdentity(ktp) }),
    );
  }
  const lookupNiks = Array.from(
    { length: 500 },
    (_, k) => `3273${String(200_000_000_000 + k * 7_777).slice(0, 12)}`,
  );
  const lookupHashes = lookupNiks.map((n) => cipher.blindIndex('nik', n));
  const heavyHash = cipher.blindIndex('nik', HEAVY_NIK);

  // Bulk load: the secondary indexes are dropped and rebuilt from their own definitions (the
  // migrations' indexes, exactly), which is several times faster than maintaining them per row.
  const t0 = Date.now();
  const indexes = await stack.sql(
    `SELECT indexname, indexdef FROM pg_indexes
     WHERE schemaname = current_schema() AND tablename = 'submissions'
       AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = 'submissions'::regclass)`,
  );
  for (const i of indexes) await stack.sql(`DROP INDEX ${i.indexname}`);
  const CHUNK = 100_000;
  const chunks = [];
  for (let from = 1; from <= rows; from += CHUNK) chunks.push([from, Math.min(rows, from + CHUNK - 1)]);
  const loader = async () => {
    const client = await stack.pool.connect();
    try {
      await client.query(`SET synchronous_commit = off`);
      for (let c = chunks.shift(); c; c = chunks.shift()) {
        await client.query(
          `INSERT INTO submissions (id, user_id, user_id_type, contact_type, contact_enc, contact_hash, source, user_locale,
             status, result, reason_code, provider_submission_id, initiated_at, sdk_expires_at, verification_result,
             ktp_enc, nik_hash, has_conflict, created_at, updated_at, completed_at, next_poll_at, pii_masked)
           SELECT gen_random_uuid(),
                  CASE WHEN g % 67 = 0 THEN $4 ELSE 'user-' || ((g::bigint * 7919) % 350000) END,
                  'USER_ID',
                  CASE WHEN g % 5 = 0 THEN 'EMAIL' ELSE 'PHONE' END,
                  ($1::text[])[g % ${POOL} + 1],
                  md5(g::text) || md5((g + 7)::text),
                  'SDK', CASE WHEN g % 10 = 0 THEN 'en_ID' ELSE 'id_ID' END,
                  st, res,
                  CASE WHEN res = 'INVALID' THEN 'DUKCAPIL_REJECTED' WHEN res = 'REJECTED' THEN 'FRAUD_REJECT'
                       WHEN st = 'ERROR' THEN 'SYSTEM_ERROR' END,
                  CASE WHEN st IN ('INITIATED', 'INITIATION_FAILED', 'EXPIRED') THEN NULL ELSE 'SUB-' || lpad(to_hex(g), 10, '0') END,
                  CASE WHEN st = 'INITIATION_FAILED' THEN NULL ELSE created + interval '1 second' END,
                  CASE WHEN st = 'INITIATION_FAILED' THEN NULL ELSE created + interval '60 days' END,
                  CASE WHEN st = 'COMPLETED' THEN
                    jsonb_build_object('nik', 'PASS', 'name', CASE WHEN res = 'VALID' THEN 'PASS' ELSE 'FAIL' END,
                                       'dateOfBirth', 'PASS', 'selfie', 'PASS') END,
                  CASE WHEN st IN ('COMPLETED', 'PARTIALLY_COMPLETED') OR g % 83 = 1 THEN ($2::text[])[g % ${POOL} + 1] END,
                  CASE WHEN g % 83 = 1 THEN $5::text
                       WHEN g % 1999 IN (7, 1000) AND g / 1999 < 500 THEN ($3::text[])[g / 1999 + 1]
                       WHEN st = 'COMPLETED' THEN md5(g::text || 'n') || md5(g::text || 'k') END,
                  g % 997 = 0,
                  created,
                  created + CASE WHEN st IN ('COMPLETED', 'ERROR', 'EXPIRED', 'INITIATION_FAILED') THEN interval '7 minutes' ELSE interval '0' END,
                  CASE WHEN st IN ('COMPLETED', 'ERROR', 'EXPIRED', 'INITIATION_FAILED') THEN created + interval '7 minutes' END,
                  CASE WHEN st IN ('INITIATED', 'IN_PROGRESS', 'PARTIALLY_COMPLETED') THEN created + interval '10 minutes' END,
                  CASE WHEN st IN ('COMPLETED', 'PARTIALLY_COMPLETED') OR g % 83 = 1 THEN ($8::text[])[g % ${POOL} + 1]
                       ELSE ($9::text[])[g % ${POOL} + 1] END::jsonb
           FROM (
             SELECT g, st, CASE WHEN st = 'COMPLETED' THEN CASE WHEN r < 0.55 THEN 'VALID' WHEN r < 0.67 THEN 'INVALID' ELSE 'REJECTED' END END AS res,
                    CASE WHEN st IN ('INITIATED', 'IN_PROGRESS', 'PARTIALLY_COMPLETED')
                         THEN now() - r2 * interval '7 days' ELSE now() - r2 * interval '180 days' END AS created
             FROM (
               SELECT g, r, r2,
                      CASE WHEN r < 0.70 THEN 'COMPLETED' WHEN r < 0.73 THEN 'ERROR' WHEN r < 0.83 THEN 'EXPIRED'
                           WHEN r < 0.85 THEN 'INITIATION_FAILED' WHEN r < 0.93 THEN 'INITIATED'
                           WHEN r < 0.97 THEN 'IN_PROGRESS' ELSE 'PARTIALLY_COMPLETED' END AS st
               FROM (SELECT g, random() AS r, random() AS r2 FROM generate_series($6::int, $7::int) g) a
             ) b
           ) c`,
          [
            contacts,
            ktps,
            lookupHashes,
            HEAVY_USER,
            heavyHash,
            c[0],
            c[1],
            maskedWithKtp,
            maskedContactsOnly,
          ],
        );
      }
    } finally {
      client.release();
    }
  };
  await Promise.all([loader(), loader()]);
  const build = await stack.pool.connect();
  try {
    await build.query(`SET maintenance_work_mem = '256MB'`);
    for (const i of indexes) await build.query(i.indexdef);
  } finally {
    build.release();
  }
  await stack.sql('VACUUM ANALYZE submissions');
  log(`  ${rows} rows generated, vacuumed and analysed in ${((Date.now() - t0) / 1000).toFixed(0)} s`);

  // Lookup values: typical users, provider submission ids, NIKs; dates inside the 180 days.
  const users = (
    await stack.sql(
      `SELECT DISTINCT user_id FROM submissions TABLESAMPLE SYSTEM (1) WHERE user_id <> $1 LIMIT 100`,
      [HEAVY_USER],
    )
  ).map((r) => r.user_id);
  const subIds = (
    await stack.sql(
      `SELECT provider_submission_id FROM submissions TABLESAMPLE SYSTEM (1) WHERE provider_submission_id IS NOT NULL LIMIT 100`,
    )
  ).map((r) => r.provider_submission_id);
  const day = (d) => new Date(Date.now() - d * 86_400_000).toISOString().slice(0, 10);
  const statuses = [
    'COMPLETED',
    'ERROR',
    'EXPIRED',
    'INITIATION_FAILED',
    'INITIATED',
    'IN_PROGRESS',
    'PARTIALLY_COMPLETED',
  ];
  const results = ['VALID', 'INVALID', 'REJECTED'];
  // Each filter: the query strings of its first pages (cycled), and the one its deep pages walk.
  const filters = {
    none: { first: [''], deep: [''] },
    status: {
      first: statuses.map((s) => `status=${s}`),
      deep: ['status=COMPLETED', 'status=EXPIRED', 'status=INITIATED'],
    },
    result: { first: results.map((r) => `result=${r}`), deep: ['result=VALID', 'result=INVALID'] },
    userId: { first: users.map((u) => `userId=${encodeURIComponent(u)}`), deep: [`userId=${HEAVY_USER}`] },
    submissionId: { first: subIds.map((s) => `submissionId=${s}`), deep: [] },
    nik: { first: lookupNiks.slice(0, 100).map((n) => `nik=${n}`), deep: [`nik=${HEAVY_NIK}`] },
    createdFromTo: {
      first: [30, 60, 90, 120].map((d) => `createdFrom=${day(d + 14)}&createdTo=${day(d)}`),
      deep: [`createdFrom=${day(74)}&createdTo=${day(60)}`],
    },
  };

  const service = await stack.startService({ sandboxUrl: stack.sandbox.url });
  const headers = { authorization: `Bearer ${KEYS.admin}` };
  const get = async (qs) => {
    const res = await fetch(`${service.url}/admin/submissions?${qs}`, { headers });
    const body = await res.json();
    if (res.status !== 200)
      throw new Error(`GET /admin/submissions?${qs}: ${res.status} ${JSON.stringify(body)}`);
    return body;
  };
  // Deep cursors: walk 100-row pages until `deepRows` rows lie behind the cursor.
  const targets = [];
  for (const [name, f] of Object.entries(filters)) {
    targets.push({ name, paths: f.first.map((qs) => `/admin/submissions?${qs}`) });
    const deepPaths = [];
    for (const qs of f.deep) {
      let cursor = null;
      for (let seen = 0; seen < deepRows; seen += 100) {
        const page = await get(
          `${qs}${qs ? '&' : ''}limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        cursor = page.nextCursor;
        if (!cursor) throw new Error(`${name} (${qs}) has fewer than ${deepRows} rows`);
      }
      deepPaths.push(`/admin/submissions?${qs}${qs ? '&' : ''}cursor=${encodeURIComponent(cursor)}`);
    }
    if (deepPaths.length) targets.push({ name: `${name}:deep`, paths: deepPaths });
  }
  const timed = await stack.load({
    job: 'sequential',
    url: service.url,
    headers,
    samples,
    warmup: 20,
    targets,
  });
  await service.stop();

  await explain(stack, filters, lookupNiks, cipher, log);

  const json = {};
  const tableRows = [];
  const checks = [];
  for (const name of Object.keys(filters)) {
    const first = timed[name];
    const deep = timed[`${name}:deep`];
    json[name] = { p95Ms: round2(first.p95Ms), deepP95Ms: deep ? round2(deep.p95Ms) : null };
    tableRows.push({
      scenario: `admin_list_1m ${name}`,
      service: `p95 ${round2(first.p95Ms)} / deep ${deep ? round2(deep.p95Ms) : 'n/a'} ms`,
      baseline: '(target 10 ms)',
      ratio: round1(Math.max(first.p95Ms, deep?.p95Ms ?? 0) / 10),
      p50: `${round2(first.p50Ms)} / ${deep ? round2(deep.p50Ms) : 'n/a'} ms`,
      p99: `${round2(first.p99Ms)} / ${deep ? round2(deep.p99Ms) : 'n/a'} ms`,
      errors: String(first.errors + (deep?.errors ?? 0)),
    });
    checks.push([
      `admin ${name} p95 < 10 ms (first ${round2(first.p95Ms)}, deep ${deep ? round2(deep.p95Ms) : 'n/a: one row per value'})`,
      first.p95Ms < 10 && (!deep || deep.p95Ms < 10) && first.errors + (deep?.errors ?? 0) === 0,
    ]);
  }
  await stack.resetData();
  return { json, rows: tableRows, checks };
}

/** EXPLAIN ANALYZE of the exact SQL the admin repository runs, first page and deep, one line each. */
async function explain(stack, filters, lookupNiks, cipher, log) {
  let AdminRepository;
  try {
    ({ AdminRepository } = await stack.distImport('admin/admin.repository.js'));
  } catch {
    return;
  }
  const repo = new AdminRepository(undefined);
  const cases = {
    none: {},
    status: { status: 'COMPLETED' },
    result: { result: 'REJECTED' },
    userId: { userId: HEAVY_USER },
    submissionId: { providerSubmissionId: 'SUB-0000000abc' },
    nik: { nikHash: cipher.blindIndex('nik', lookupNiks[3]) },
    createdFromTo: {
      createdFrom: new Date(Date.now() - 74 * 86_400_000).toISOString(),
      createdTo: new Date(Date.now() - 60 * 86_400_000).toISOString(),
    },
  };
  for (const name of Object.keys(filters)) {
    for (const deep of [false, true]) {
      let after = null;
      if (deep) {
        const { sql, params } = repo.buildListQuery(cases[name], null, 10_001);
        const r = await stack.sql(`SELECT sort_at, id FROM (${sql}) q OFFSET 10000 LIMIT 1`, params);
        if (!r.length) continue;
        after = { at: r[0].sort_at, id: r[0].id };
      }
      const { sql, params } = repo.buildListQuery(cases[name], after, 21);
      const plan = await stack.sql(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${sql}`, params);
      const p = plan[0]['QUERY PLAN'][0];
      const nodes = [];
      const walk = (n) => {
        nodes.push(n['Index Name'] ? `${n['Node Type']} ${n['Index Name']}` : n['Node Type']);
        for (const c of n.Plans ?? []) walk(c);
      };
      walk(p.Plan);
      log(
        `  EXPLAIN ${name}${deep ? ' deep' : ''}: ${p['Execution Time'].toFixed(2)} ms exec, ${p['Planning Time'].toFixed(2)} ms plan; ${nodes.join(' > ')}`,
      );
    }
  }
}

const round2 = (x) => Math.round(x * 100) / 100;
