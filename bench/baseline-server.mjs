// The baseline: what a minimal hand-written server does for the same two hot routes, with no Nest,
// no TypeORM, no class-validator, no metrics, no logging. Plain Fastify + `pg` (pool of 20, like
// the service), the same tables and the same durable work, personal data included: what the
// service must store encrypted (AES-256-GCM, PII_ENCRYPTION_KEYS) is stored encrypted here too.
//   POST /v1/callbacks/onekyc  credential check, minimal body check, one transaction:
//                              INSERT the event (encrypted raw payload) + UPDATE the submission
//                              (status, result, facts, encrypted KTP and image URLs, NIK HMAC,
//                              completed_at)
//   POST /v1/verifications     API-key check, minimal body check, row + INITIATION_REQUESTED
//                              event written before the call, partner token fetched once and
//                              cached, Initiate Flow, then initiated_at + INITIATED event
// Configuration comes from the environment (the harness sets it). Runs as its own process.
import { createCipheriv, createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import Fastify from 'fastify';
import pg from 'pg';

const env = process.env;
const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: Number(env.POOL_SIZE ?? 20) });
const hmacKey = Buffer.alloc(32, 7);
const [kid, keyB64] = (env.PII_ENCRYPTION_KEY ?? `b1:${Buffer.alloc(32, 9).toString('base64')}`).split(':');
const aesKey = Buffer.from(keyB64, 'base64');
/** `v1:<kid>:<iv>:<tag>:<ciphertext>`, the service's envelope. */
const encrypt = (value) => {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', aesKey, iv);
  const ct = Buffer.concat([c.update(JSON.stringify(value), 'utf8'), c.final()]);
  return ['v1', kid, iv.toString('base64url'), c.getAuthTag().toString('base64url'), ct.toString('base64url')].join(':');
};
const callbackHeader = (env.CALLBACK_AUTH_HEADER ?? 'authorization').toLowerCase();
const callbackSecret = Buffer.from(env.CALLBACK_AUTH_VALUE ?? '');
const apiKey = Buffer.from(`Bearer ${env.API_KEY ?? ''}`);
const providerBase = new URL(env.ONEKYC_API_BASE_URL ?? 'http://127.0.0.1:4010');
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
const STATUSES = new Set(['IN_PROGRESS', 'PARTIALLY_COMPLETED', 'COMPLETED', 'ERROR']);
const TERMINAL = new Set(['COMPLETED', 'ERROR']);

const same = (presented, expected) => {
  const b = Buffer.from(presented ?? '');
  return b.length === expected.length && timingSafeEqual(b, expected);
};
const blind = (kind, v) => createHmac('sha256', hmacKey).update(`${kind}:${v}`).digest('hex');
const problem = (reply, status, title) =>
  reply.code(status).type('application/problem+json').send({ type: 'about:blank', title, status });

const app = Fastify({ bodyLimit: 256 * 1024, logger: false });

app.get('/health', async () => ({ ok: true }));

async function callback(req, reply) {
  if (!same(req.headers[callbackHeader], callbackSecret)) return problem(reply, 401, 'Unauthorized');
  const b = req.body;
  if (
    !b ||
    typeof b !== 'object' ||
    typeof b.partnerSessionId !== 'string' ||
    typeof b.submissionId !== 'string' ||
    !STATUSES.has(b.status)
  ) {
    return problem(reply, 400, 'Bad Request');
  }
  const d = b.submissionDetails ?? {};
  const nik = typeof d.ktpData?.nik === 'string' ? d.ktpData.nik : null;
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(
      `INSERT INTO submission_events (submission_id, type, source, status, result, provider_submission_id,
                                      dedupe_key, payload_enc)
       VALUES ($1, 'CALLBACK', 'callback', $2, $3, $4, $5, $6)`,
      [
        b.partnerSessionId,
        b.status,
        b.result ?? null,
        b.submissionId,
        `${b.submissionId}:${b.status}:${b.result ?? ''}`,
        encrypt(b),
      ],
    );
    await client.query(
      `UPDATE submissions SET status = $2, result = COALESCE($3, result), reason_code = $4,
              provider_submission_id = $5, verification_result = $6::jsonb, certificate_registration = $7::jsonb,
              ktp_enc = $8, nik_hash = $9, image_urls_enc = $10, image_urls_received_at = now(),
              completed_at = CASE WHEN $11 THEN now() ELSE completed_at END,
              next_poll_at = CASE WHEN $11 THEN NULL ELSE next_poll_at END,
              updated_at = now(), version = version + 1
       WHERE id = $1`,
      [
        b.partnerSessionId,
        b.status,
        b.result ?? null,
        b.reasonCode ?? null,
        b.submissionId,
        d.verificationResult ? JSON.stringify(d.verificationResult) : null,
        d.certificateRegistration ? JSON.stringify(d.certificateRegistration) : null,
        d.ktpData ? encrypt(d.ktpData) : null,
        nik ? blind('nik', nik) : null,
        d.imageUrls ? encrypt(d.imageUrls) : null,
        TERMINAL.has(b.status),
      ],
    );
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
  return { received: true };
}
app.post('/v1/callbacks/onekyc', callback);
app.put('/v1/callbacks/onekyc', callback);
app.patch('/v1/callbacks/onekyc', callback);

/** One JSON request to the provider over a keep-alive agent. */
function provider(method, path, headers, body) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      {
        host: providerBase.hostname,
        port: providerBase.port,
        method,
        path,
        agent,
        headers: { ...headers, ...(data ? { 'content-type': 'application/json' } : {}) },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
          } catch (err) {
            reject(err);
          }
        });
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error('provider timeout')));
    req.on('error', reject);
    req.end(data);
  });
}

let token;
/** The partner token, fetched once and reused until five minutes before it expires. */
function partnerToken() {
  if (!token || Date.now() / 1000 > token.expiresAt - 300) {
    const p = provider('GET', '/v1/esign/partner/authentication', {
      'client-id': env.ONEKYC_CLIENT_ID,
      'pass-key': env.ONEKYC_PASS_KEY,
    }).then((r) => {
      if (r.status !== 200) throw new Error(`token: HTTP ${r.status}`);
      return { value: r.body.data.token, expiresAt: Number(r.body.data.expires_at) };
    });
    token = { promise: p, expiresAt: Infinity };
    p.then(
      (t) => (token.expiresAt = t.expiresAt),
      () => (token = undefined),
    );
  }
  return token.promise.then((t) => t.value);
}

app.post('/v1/verifications', async (req, reply) => {
  if (!same(req.headers.authorization, apiKey)) return problem(reply, 401, 'Unauthorized');
  const b = req.body;
  if (
    !b ||
    typeof b.userId !== 'string' ||
    (typeof b.phoneNumber !== 'string' && typeof b.email !== 'string') ||
    b.verification?.isVerified !== true
  ) {
    return problem(reply, 400, 'Bad Request');
  }
  const id = randomUUID();
  const userIdType = b.userIdType ?? 'USER_ID';
  const contactType = b.phoneNumber ? 'PHONE' : 'EMAIL';
  const contacts = { phoneNumber: b.phoneNumber, email: b.email };
  const created = await pool.query(
    `WITH ins AS (
       INSERT INTO submissions (id, user_id, user_id_type, contact_type, contact_enc, contact_hash, source,
                                user_locale, status, next_poll_at)
       VALUES ($1, $2, $3, $4, $5, $6, 'SDK', $7, 'INITIATED', now() + interval '600 seconds')
       RETURNING id, created_at
     ), ev AS (
       INSERT INTO submission_events (submission_id, type, source, to_status)
       SELECT id, 'INITIATION_REQUESTED', 'api', 'INITIATED' FROM ins
     )
     SELECT created_at FROM ins`,
    [
      id,
      b.userId,
      userIdType,
      contactType,
      encrypt(contacts),
      blind(contactType, b.phoneNumber ?? b.email),
      b.userLocale ?? 'id_ID',
    ],
  );
  const details = { dataVerification: {} };
  if (b.phoneNumber) {
    details.phoneNumber = b.phoneNumber;
    details.dataVerification.phoneNumber = b.verification;
  }
  if (b.email) {
    details.email = b.email;
    details.dataVerification.email = b.verification;
  }
  const r = await provider(
    'POST',
    '/esign-partner/v1/initiate-flow',
    {
      'x-onekyc-token': await partnerToken(),
      'x-esign-onboarding-partner': env.ONEKYC_ONBOARDING_PARTNER,
      'x-partner-user-id': b.userId,
      'x-partner-user-id-type': userIdType,
      'x-partner-session-id': id,
    },
    {
      flow: 'STANDALONE_IDENTITY_VERIFICATION',
      source: 'SDK',
      additionalDetails: details,
      userLocale: b.userLocale ?? 'id_ID',
    },
  );
  if (r.status !== 200) return problem(reply, 502, 'Provider error');
  const expiresAt = new Date(Number(r.body.data.expiresAt) * 1000);
  await pool.query(
    `WITH upd AS (
       UPDATE submissions SET initiated_at = now(), sdk_expires_at = $2, updated_at = now(), version = version + 1
       WHERE id = $1 RETURNING id
     )
     INSERT INTO submission_events (submission_id, type, source, status) SELECT id, 'INITIATED', 'api', 'INITIATED' FROM upd`,
    [id, expiresAt],
  );
  return reply.code(201).send({
    id,
    status: 'INITIATED',
    sdkToken: r.body.data.token,
    expiresAt: expiresAt.toISOString(),
    createdAt: created.rows[0].created_at.toISOString(),
  });
});

await app.listen({ port: Number(env.PORT ?? 0), host: '127.0.0.1' });
process.stdout.write(`baseline listening on http://127.0.0.1:${app.server.address().port}\n`);

const stop = () => {
  app
    .close()
    .then(() => pool.end())
    .finally(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
