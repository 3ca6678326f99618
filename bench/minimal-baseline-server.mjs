// The minimal baseline: the simplest thing that works for the callback route, as a partner would
// write it to compare us with. Plain Fastify + `pg` (pool of 20, like the service), a credential
// check, a minimal body check and one transaction: BEGIN, INSERT the raw event ON CONFLICT DO
// NOTHING, UPDATE the status, COMMIT. No encryption, no framework, no metrics, no logging.
// (The richer baseline, bench/baseline-server.mjs, also stores the personal data encrypted.)
// Configuration comes from the environment (the harness sets it). Runs as its own process.
import { timingSafeEqual } from 'node:crypto';
import Fastify from 'fastify';
import pg from 'pg';

const env = process.env;
const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: Number(env.POOL_SIZE ?? 20) });
const callbackHeader = (env.CALLBACK_AUTH_HEADER ?? 'authorization').toLowerCase();
const callbackSecret = Buffer.from(env.CALLBACK_AUTH_VALUE ?? '');
const STATUSES = new Set(['IN_PROGRESS', 'PARTIALLY_COMPLETED', 'COMPLETED', 'ERROR']);

const same = (presented, expected) => {
  const b = Buffer.from(presented ?? '');
  return b.length === expected.length && timingSafeEqual(b, expected);
};

const app = Fastify({ bodyLimit: 256 * 1024, logger: false });
app.get('/health', async () => ({ ok: true }));

async function callback(req, reply) {
  if (!same(req.headers[callbackHeader], callbackSecret)) return reply.code(401).send({ status: 401 });
  const b = req.body;
  if (!b || typeof b !== 'object' || typeof b.partnerSessionId !== 'string' || !STATUSES.has(b.status)) {
    return reply.code(400).send({ status: 400 });
  }
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(
      `INSERT INTO submission_events (submission_id, type, source, status, result, dedupe_key, detail)
       VALUES ($1, 'CALLBACK', 'callback', $2, $3, $4, $5::jsonb) ON CONFLICT DO NOTHING`,
      [
        b.partnerSessionId,
        b.status,
        b.result ?? null,
        `${b.submissionId}:${b.status}:${b.result ?? ''}`,
        JSON.stringify(b),
      ],
    );
    await client.query(`UPDATE submissions SET status = $2, result = $3, updated_at = now() WHERE id = $1`, [
      b.partnerSessionId,
      b.status,
      b.result ?? null,
    ]);
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

await app.listen({ port: Number(env.PORT ?? 0), host: '127.0.0.1' });
process.stdout.write(`minimal baseline listening on http://127.0.0.1:${app.server.address().port}\n`);

const stop = () => {
  app
    .close()
    .then(() => pool.end())
    .finally(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
