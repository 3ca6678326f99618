// A crash between receipt and commit must leave the provider without a 200 (so it retries) and the
// database without a trace of the half-done work. The app runs unmodified; the failures are made
// in PostgreSQL itself, on this file's own database:
// - the connection dies mid-transaction: a test trigger parks the callback's transaction after
//   its writes (on an advisory lock the test holds), and the test terminates that backend;
// - the commit itself fails: a deferred constraint trigger raises at COMMIT.
import { Client } from 'pg';
import { SubmissionsRepository } from '../../src/submissions/submissions.repository.js';
import { startTestApp, TestApp } from '../support/app.js';
import { json } from '../support/http.js';
import { callbackBody, initiatedSubmission, metricValue, sendCallback } from './callback-helpers.js';

const PARK_LOCK = 424242;

describe('provider callback: a crash at the transaction boundary', () => {
  let t: TestApp;
  let repo: SubmissionsRepository;
  let admin: Client;

  beforeAll(async () => {
    t = await startTestApp();
    repo = t.app.get(SubmissionsRepository);
    admin = new Client({ connectionString: t.db.url });
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.end();
    await t?.close();
  });

  /** What the database holds for a submission, read from outside the app. */
  async function snapshot(id: string) {
    const rows = await admin.query(
      `SELECT s.status, s.result, s.version, s.ktp_enc IS NOT NULL AS has_ktp, s.completed_at,
              (SELECT count(*)::int FROM submission_events e WHERE e.submission_id = s.id AND e.type = 'CALLBACK') AS callbacks,
              (SELECT count(*)::int FROM submission_events e WHERE e.submission_id = s.id AND e.type = 'STATUS_CHANGED') AS changes
       FROM submissions s WHERE s.id = $1`,
      [id],
    );
    return rows.rows[0];
  }

  async function waitForParkedBackend(): Promise<number> {
    for (let i = 0; i < 200; i++) {
      const r = await admin.query(
        `SELECT pid FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid()
           AND wait_event_type = 'Lock' AND wait_event = 'advisory'`,
      );
      if (r.rows.length > 0) return r.rows[0].pid;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error('the callback transaction never reached the parking trigger');
  }

  it('should give no 200 and keep nothing when the database connection dies before the commit', async () => {
    const id = await initiatedSubmission(repo);
    const before = await snapshot(id);
    const errorsBefore = await metricValue(t, 'onekyc_callbacks_total{outcome="error"}');

    // Park every later write to submission_events until the test lets go of the lock.
    await admin.query(`
      CREATE FUNCTION test_park() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM pg_advisory_xact_lock(${PARK_LOCK}); RETURN NULL; END $$`);
    await admin.query(
      `CREATE TRIGGER test_park AFTER INSERT ON submission_events FOR EACH STATEMENT EXECUTE FUNCTION test_park()`,
    );
    await admin.query(`SELECT pg_advisory_lock(${PARK_LOCK})`);
    try {
      const answer = sendCallback(t, callbackBody(id));
      const pid = await waitForParkedBackend();

      // The row update and both events are written but not committed: nobody else sees them.
      expect(await snapshot(id)).toEqual(before);

      await admin.query(`SELECT pg_terminate_backend($1)`, [pid]);
      const res = await answer;
      // A cut database connection is temporary: 503 with Retry-After (the provider retries either way).
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBeTruthy();
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(JSON.stringify(await json(res))).not.toContain('received');
    } finally {
      await admin.query(`SELECT pg_advisory_unlock(${PARK_LOCK})`);
      await admin.query(`DROP TRIGGER test_park ON submission_events`);
      await admin.query(`DROP FUNCTION test_park()`);
    }

    expect(await snapshot(id)).toEqual(before);
    expect(await metricValue(t, 'onekyc_callbacks_total{outcome="error"}')).toBe(errorsBefore + 1);

    // The provider retries; the app (and its connection pool) carries on and applies it once.
    const retry = await sendCallback(t, callbackBody(id));
    expect(retry.status).toBe(200);
    expect(await snapshot(id)).toMatchObject({
      status: 'COMPLETED',
      result: 'VALID',
      has_ktp: true,
      version: before.version + 1,
      callbacks: 1,
      changes: 1,
    });
  });

  it('should give no 200 and keep nothing when the commit itself fails', async () => {
    const id = await initiatedSubmission(repo);
    await sendCallback(t, callbackBody(id, 'IN_PROGRESS'));
    const before = await snapshot(id);
    expect(before).toMatchObject({ status: 'IN_PROGRESS', callbacks: 1, changes: 1 });

    await admin.query(`
      CREATE FUNCTION test_refuse_commit() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'simulated failure at commit'; END $$`);
    await admin.query(
      `CREATE CONSTRAINT TRIGGER test_refuse_commit AFTER INSERT ON submission_events
       DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION test_refuse_commit()`,
    );
    try {
      const res = await sendCallback(t, callbackBody(id));
      expect(res.status).toBe(500);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    } finally {
      await admin.query(`DROP TRIGGER test_refuse_commit ON submission_events`);
      await admin.query(`DROP FUNCTION test_refuse_commit()`);
    }
    expect(await snapshot(id)).toEqual(before);

    const retry = await sendCallback(t, callbackBody(id));
    expect(retry.status).toBe(200);
    expect(await snapshot(id)).toMatchObject({ status: 'COMPLETED', callbacks: 2, changes: 2 });
  });

  it('should answer 200 only for what it stored while its pooled connections are cut, then recover', async () => {
    const id = await initiatedSubmission(repo);
    await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
       WHERE datname = current_database() AND pid <> pg_backend_pid()`,
    );
    // The provider retries until it gets a 200. A dead pooled connection may fail an attempt
    // (503, nothing stored); the pool replaces it, and a later attempt is stored exactly once.
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 5 && statuses.at(-1) !== 200; attempt++) {
      const res = await sendCallback(t, callbackBody(id));
      statuses.push(res.status);
      if (res.status !== 200) {
        expect(res.status).toBe(503);
        expect((await snapshot(id)).callbacks).toBe(0);
      }
    }
    expect(statuses.at(-1)).toBe(200);
    expect(await snapshot(id)).toMatchObject({ status: 'COMPLETED', callbacks: 1, changes: 1 });
    expect((await admin.query(`SELECT count(*)::int AS n FROM unmatched_callbacks`)).rows[0].n).toBe(0);
  });
});
