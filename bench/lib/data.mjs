// Data the scenarios prepare directly in SQL (never through the service): pending submissions
// for callbacks and reconciliation, and the rows pgbench updates.
import { randomUUID } from 'node:crypto';
import { benchUserId } from './bodies.mjs';

const CHUNK = 10_000;

/**
 * Inserts `n` submissions as the service leaves them after a successful initiation (INITIATED,
 * initiated_at set, SDK token valid for 60 days), with synthetic ciphertext-like contact values.
 * Returns their ids (in insertion order). `userIds` (optional) gives each row its user id.
 */
export async function insertPendingSubmissions(stack, n, { userIds, createdAgoSeconds = 0 } = {}) {
  const ids = Array.from({ length: n }, () => randomUUID());
  for (let i = 0; i < n; i += CHUNK) {
    const slice = ids.slice(i, i + CHUNK);
    const users = userIds ? userIds.slice(i, i + CHUNK) : slice.map(benchUserId);
    await stack.sql(
      `INSERT INTO submissions (id, user_id, user_id_type, contact_type, contact_enc, contact_hash, source,
                                status, initiated_at, sdk_expires_at, next_poll_at, created_at, updated_at)
       SELECT x.id, x.u, 'USER_ID', 'PHONE',
              'v1:bench1:' || substr(md5(x.id::text), 1, 16) || ':' || substr(md5(x.u), 1, 22) || ':' || md5(x.id::text || x.u),
              md5(x.u) || md5(x.id::text), 'SDK', 'INITIATED',
              now() - make_interval(secs => $3), now() + interval '60 days', now() - make_interval(secs => $3) + interval '600 seconds',
              now() - make_interval(secs => $3), now() - make_interval(secs => $3)
       FROM unnest($1::uuid[], $2::text[]) AS x(id, u)`,
      [slice, users, createdAgoSeconds],
    );
  }
  await stack.sql('ANALYZE submissions');
  return ids;
}

/** Submission ids pgbench can compute from an integer: 00000000-0000-4000-8000-<n as 12 hex>. */
export const PGBENCH_ID_SQL = (n) => `('00000000-0000-4000-8000-' || lpad(to_hex((${n})::bigint), 12, '0'))::uuid`;

export async function insertPgbenchRows(stack, n) {
  await stack.sql(
    `INSERT INTO submissions (id, user_id, user_id_type, contact_type, contact_enc, contact_hash, source,
                              status, initiated_at, sdk_expires_at, next_poll_at)
     SELECT ${PGBENCH_ID_SQL('g')}, 'pgbench-user-' || g, 'USER_ID', 'PHONE',
            'v1:bench1:' || md5(g::text) || ':' || md5((g + 1)::text), md5(g::text) || md5((g + 2)::text), 'SDK',
            'INITIATED', now(), now() + interval '60 days', now() + interval '600 seconds'
     FROM generate_series(1, $1::int) g`,
    [n],
  );
  await stack.sql('ANALYZE submissions');
}
