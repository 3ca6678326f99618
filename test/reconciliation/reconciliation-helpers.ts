// Shared by the reconciliation tests: submissions as initiation leaves them (written through the
// store, so hundreds take milliseconds), and small SQL levers to move a row in time.
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { SubmissionsRepository } from '../../src/submissions/submissions.repository.js';
import { startTestApp, TestApp } from '../support/app.js';
import { createTestDatabase } from '../support/database.js';
import { startStack, TestStack } from '../support/stack.js';

export interface Initiated {
  id: string;
  userId: string;
  userIdType: string;
}

/** A submission whose SDK token was issued (INITIATED, initiated_at set), due per RECONCILE_AFTER_SECONDS. */
export async function initiatedSubmission(
  repo: SubmissionsRepository,
  opts: { userId?: string; userIdType?: string; sdkExpiresAt?: Date } = {},
): Promise<Initiated> {
  const id = randomUUID();
  const userId = opts.userId ?? `recon-${id.slice(0, 8)}`;
  const userIdType = opts.userIdType ?? 'USER_ID';
  await repo.createForInitiation({
    id,
    userId,
    userIdType,
    contacts: { phoneNumber: '6281200000042' },
    source: 'SDK',
    userLocale: 'id_ID',
  });
  await repo.markInitiated(id, opts.sdkExpiresAt ?? new Date(Date.now() + 3600_000));
  return { id, userId, userIdType };
}

export async function manyInitiated(
  repo: SubmissionsRepository,
  n: number,
  prefix: string,
): Promise<Initiated[]> {
  const out: Initiated[] = [];
  for (let i = 0; i < n; i += 20) {
    out.push(
      ...(await Promise.all(
        Array.from({ length: Math.min(20, n - i) }, (_, k) =>
          initiatedSubmission(repo, { userId: `${prefix}-${i + k}` }),
        ),
      )),
    );
  }
  return out;
}

/** Makes rows due now (as if their next poll time had come). */
export async function makeDue(ds: DataSource, ids: string[]): Promise<void> {
  await ds.query(`UPDATE submissions SET next_poll_at = now() WHERE id = ANY($1::uuid[])`, [ids]);
}

/** Keeps rows out of the way of other tests' runs. */
export async function makeNotDue(ds: DataSource, ids: string[]): Promise<void> {
  await ds.query(
    `UPDATE submissions SET next_poll_at = now() + interval '1 day' WHERE id = ANY($1::uuid[])`,
    [ids],
  );
}

export interface RowView {
  status: string;
  result: string | null;
  next_poll_at: Date | null;
  last_polled_at: Date | null;
  poll_attempts: number;
}

export async function rowOf(ds: DataSource, id: string): Promise<RowView> {
  const rows: RowView[] = await ds.query(
    `SELECT status, result, next_poll_at, last_polled_at, poll_attempts FROM submissions WHERE id = $1`,
    [id],
  );
  return rows[0];
}

export async function eventsOf(
  ds: DataSource,
  id: string,
): Promise<
  { type: string; source: string; status: string | null; detail: any; payload_enc: string | null }[]
> {
  return ds.query(
    `SELECT type, source, status, detail, payload_enc FROM submission_events WHERE submission_id = $1 ORDER BY id`,
    [id],
  );
}

/**
 * Three application instances on one fresh database and one sandbox (the first instance's stack),
 * as a deployment with several replicas runs them. `close` stops all three and drops the database.
 */
export async function startThreeInstances(
  env: Record<string, string>,
): Promise<{ first: TestStack; others: TestApp[]; close(): Promise<void> }> {
  const db = await createTestDatabase();
  const first = await startStack(env, { db });
  const others = await Promise.all(
    [1, 2].map(() => startTestApp({ ...env, ONEKYC_API_BASE_URL: first.sandbox.url }, { db })),
  );
  return {
    first,
    others,
    close: async () => {
      await Promise.all(others.map((a) => a.close()));
      await first.close();
      await db.drop();
    },
  };
}
