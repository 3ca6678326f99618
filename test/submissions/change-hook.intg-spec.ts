// The store's hook for "a verification changed", on real PostgreSQL: a registered follow-up's row
// commits in the same statement as every change, never for an observation that changes nothing,
// and never when the statement fails.
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AppConfig, buildConfig } from '../../src/config/app-config.js';
import { Sql } from '../../src/database/sql.js';
import { typeOrmOptions } from '../../src/database/typeorm-options.js';
import { PiiCipher } from '../../src/submissions/pii/pii-cipher.js';
import { SubmissionsRepository, TransitionInput } from '../../src/submissions/submissions.repository.js';
import { testEnv } from '../support/app.js';
import { createTestDatabase, TestDatabase } from '../support/database.js';

interface HookRow {
  submission_id: string;
  change_kind: string | null;
  previous_status: string | null;
  status: string;
  version: number;
  image_urls_learned: boolean;
}

// A follow-up as a consumer room would register it: no bind parameters, reads `changed`. The
// CHECK lets a test make the follow-up itself fail (a submission whose user id starts with
// 'refuse-'), to see the whole change roll back with it.
const FOLLOW_UP = {
  name: 'test_hook',
  ctes: `test_hook_rows AS (
    INSERT INTO test_hook (submission_id, change_kind, previous_status, status, version, image_urls_learned, user_id)
    SELECT id, change_kind, previous_status, status, version, image_urls_learned, user_id FROM changed
  )`,
};

describe('the store change hook (real PostgreSQL)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let config: AppConfig;
  let repo: SubmissionsRepository;

  beforeAll(async () => {
    db = await createTestDatabase();
    config = buildConfig(testEnv(), { databaseUrl: db.url });
    ds = new DataSource(await typeOrmOptions(db.url, 4));
    await ds.initialize();
    await ds.query(`CREATE TABLE test_hook (
      seq bigserial PRIMARY KEY, submission_id uuid NOT NULL, change_kind text, previous_status text,
      status text NOT NULL, version int NOT NULL, image_urls_learned boolean NOT NULL,
      user_id text NOT NULL CHECK (user_id NOT LIKE 'refuse-%' OR status <> 'COMPLETED'))`);
    repo = new SubmissionsRepository(new Sql(ds), new PiiCipher(config), config);
    repo.registerFollowUp(FOLLOW_UP);
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  const hookRows = async (id: string): Promise<HookRow[]> =>
    ds.query(
      `SELECT submission_id, change_kind, previous_status, status, version, image_urls_learned
       FROM test_hook WHERE submission_id = $1 ORDER BY seq`,
      [id],
    );
  const eventTypes = async (id: string) => (await repo.findEvents(id)).map((e) => e.type);

  async function newSubmission(userId = `user-${randomUUID().slice(0, 8)}`): Promise<string> {
    const id = randomUUID();
    await repo.createForInitiation({
      id,
      userId,
      userIdType: 'USER_ID',
      contacts: { phoneNumber: '628123456789' },
      source: 'SDK',
      userLocale: 'id_ID',
    });
    return id;
  }

  const callback = (
    status: TransitionInput['status'],
    extra: Partial<TransitionInput> = {},
  ): TransitionInput => ({
    status,
    event: { type: 'CALLBACK', source: 'callback', payload: { status }, dedupeKey: `p:${status}` },
    ...extra,
  });

  it('writes a follow-up row with every change, with its kind, previous status and version', async () => {
    const id = await newSubmission();
    await repo.markInitiated(id, new Date(Date.now() + 3600_000));
    await repo.applyTransition(id, callback('IN_PROGRESS'));
    await repo.applyTransition(
      id,
      callback('COMPLETED', { result: 'VALID', imageUrls: { KTP: 'https://img.example/k.jpg' } }),
    );
    expect(await hookRows(id)).toEqual([
      {
        submission_id: id,
        change_kind: 'created',
        previous_status: null,
        status: 'INITIATED',
        version: 1,
        image_urls_learned: false,
      },
      {
        submission_id: id,
        change_kind: null,
        previous_status: 'INITIATED',
        status: 'INITIATED',
        version: 2,
        image_urls_learned: false,
      },
      {
        submission_id: id,
        change_kind: 'updated',
        previous_status: 'INITIATED',
        status: 'IN_PROGRESS',
        version: 3,
        image_urls_learned: false,
      },
      {
        submission_id: id,
        change_kind: 'completed',
        previous_status: 'IN_PROGRESS',
        status: 'COMPLETED',
        version: 4,
        image_urls_learned: true,
      },
    ]);
    expect((await repo.findById(id))!.version).toBe(4);
  });

  it('writes no follow-up row for a duplicate or a stale observation, only its event', async () => {
    const id = await newSubmission();
    await repo.markInitiated(id, null);
    await repo.applyTransition(id, callback('COMPLETED', { result: 'VALID' }));
    const before = await hookRows(id);
    expect((await repo.applyTransition(id, callback('COMPLETED', { result: 'VALID' }))).outcome).toBe(
      'duplicate',
    );
    expect((await repo.applyTransition(id, callback('IN_PROGRESS'))).outcome).toBe('stale');
    expect((await repo.markInitiated(id, null)).outcome).toBe('duplicate');
    expect(await hookRows(id)).toEqual(before);
    expect(await eventTypes(id)).toEqual([
      'INITIATION_REQUESTED',
      'INITIATED',
      'CALLBACK',
      'STATUS_CHANGED',
      'CALLBACK',
      'CALLBACK',
      'INITIATED',
    ]);
    expect((await repo.findById(id))!.version).toBe(3);
  });

  it('flags a conflict once, as a change partners need not hear about', async () => {
    const id = await newSubmission();
    await repo.applyTransition(id, callback('COMPLETED', { result: 'VALID' }));
    await repo.applyTransition(id, callback('COMPLETED', { result: 'INVALID' }));
    await repo.applyTransition(id, callback('COMPLETED', { result: 'INVALID' }));
    const rows = await hookRows(id);
    expect(rows.map((r) => r.change_kind)).toEqual(['created', 'completed', null]);
    expect(await repo.findById(id)).toMatchObject({ result: 'VALID', hasConflict: true, version: 3 });
  });

  it('names failures, expiries and redactions', async () => {
    const failed = await newSubmission();
    await repo.applyTransition(failed, {
      status: 'INITIATION_FAILED',
      initiationError: { kind: 'PERMANENT' },
      event: { type: 'INITIATION_FAILED', source: 'api' },
    });
    const expired = await newSubmission();
    await repo.markInitiated(expired, new Date());
    await repo.applyTransition(expired, {
      status: 'EXPIRED',
      event: { type: 'EXPIRED', source: 'reconciliation' },
    });
    const redacted = await newSubmission();
    await repo.applyTransition(
      redacted,
      callback('COMPLETED', { result: 'VALID', ktpData: { nik: '3171234567890001' } }),
    );
    const out = await repo.redact({ ids: [redacted] }, { source: 'admin', detail: { reason: 'erasure' } });
    expect(out).toEqual([{ id: redacted, ktpData: true, imageUrls: false, nikHash: true, eventPayloads: 1 }]);

    expect((await hookRows(failed)).at(-1)).toMatchObject({
      change_kind: 'failed',
      status: 'INITIATION_FAILED',
    });
    expect((await hookRows(expired)).at(-1)).toMatchObject({
      change_kind: 'expired',
      previous_status: 'INITIATED',
    });
    expect((await hookRows(redacted)).at(-1)).toMatchObject({ change_kind: 'redacted', status: 'COMPLETED' });
    const ev = (await repo.findEvents(redacted)).at(-1)!;
    expect(ev).toMatchObject({ type: 'PII_REDACTED', source: 'admin' });
    expect(ev.detail).toEqual({
      reason: 'erasure',
      ktpData: true,
      imageUrls: false,
      nikHash: true,
      eventPayloads: 1,
      contacts: false,
    });
  });

  it('writes neither the change, its events nor the follow-up when the statement fails', async () => {
    const id = await newSubmission('refuse-1');
    const before = await repo.findById(id);
    await expect(repo.applyTransition(id, callback('COMPLETED', { result: 'VALID' }))).rejects.toThrow(
      /test_hook/,
    );
    expect(await repo.findById(id)).toEqual(before);
    expect(await eventTypes(id)).toEqual(['INITIATION_REQUESTED']);
    expect((await hookRows(id)).map((r) => r.change_kind)).toEqual(['created']);
  });

  it('writes exactly one follow-up row when ten identical callbacks race', async () => {
    const id = await newSubmission();
    const results = await Promise.all(
      Array.from({ length: 10 }, () => repo.applyTransition(id, callback('COMPLETED', { result: 'VALID' }))),
    );
    expect(results.filter((r) => r.outcome === 'applied')).toHaveLength(1);
    expect((await hookRows(id)).filter((r) => r.change_kind === 'completed')).toHaveLength(1);
    expect((await eventTypes(id)).filter((t) => t === 'CALLBACK')).toHaveLength(10);
  });

  it('refuses follow-ups registered after first use, with bind parameters, or updating submissions', () => {
    expect(() => repo.registerFollowUp({ name: 'late', ctes: 'late AS (SELECT 1 FROM changed)' })).toThrow(
      /after the store's statements were built/,
    );
    const fresh = new SubmissionsRepository(new Sql(ds), new PiiCipher(config), config);
    expect(() => fresh.registerFollowUp({ name: 'p', ctes: 'p AS (SELECT $1 FROM changed)' })).toThrow(
      /bind parameters/,
    );
    expect(() =>
      fresh.registerFollowUp({ name: 'u', ctes: 'u AS (UPDATE submissions SET version = 0 RETURNING 1)' }),
    ).toThrow(/only writer/);
    fresh.registerFollowUp(FOLLOW_UP);
    expect(() => fresh.registerFollowUp(FOLLOW_UP)).toThrow(/twice/);
  });
});
