import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { SubmissionsRepository } from '../../src/submissions/submissions.repository.js';
import { startTestApp, TestApp } from '../support/app.js';

describe('submission store (real PostgreSQL)', () => {
  let t: TestApp;
  let repo: SubmissionsRepository;
  let ds: DataSource;

  beforeAll(async () => {
    t = await startTestApp();
    repo = t.app.get(SubmissionsRepository);
    ds = t.app.get(DataSource);
  });
  afterAll(async () => {
    await t?.close();
  });

  async function newSubmission(overrides: Partial<{ userId: string }> = {}) {
    const id = randomUUID();
    await repo.createForInitiation({
      id,
      userId: overrides.userId ?? `user-${id.slice(0, 8)}`,
      userIdType: 'USER_ID',
      contacts: { phoneNumber: '628123456789' },
      source: 'SDK',
      userLocale: 'id_ID',
    });
    return id;
  }

  const completed = (result: 'VALID' | 'INVALID' = 'VALID') => ({
    status: 'COMPLETED' as const,
    result,
    providerSubmissionId: 'prov-1',
    verificationResult: { nik: 'PASS', name: 'PASS', dateOfBirth: 'PASS', selfie: 'PASS' },
    ktpData: { nik: '3208201808850001', name: 'JOHN DOE', dateOfBirth: '18-02-1960', address: 'JL. MAWAR 1' },
    imageUrls: { KTP: 'https://img.example/ktp.jpg' },
    event: {
      type: 'CALLBACK' as const,
      source: 'callback' as const,
      payload: { any: 'raw' },
      dedupeKey: `prov-1:COMPLETED:${result}`,
    },
  });

  it('writes the row and its initiation event before the provider is called, then marks it initiated', async () => {
    const id = await newSubmission();
    let s = await repo.findById(id);
    expect(s).toMatchObject({ status: 'INITIATED', initiatedAt: null, version: 1 });
    expect(s!.contactEnc).not.toContain('628123456789');
    expect(repo.decryptContacts(s!).phoneNumber).toBe('628123456789');
    const expiry = new Date(Date.now() + 3600_000);
    await repo.markInitiated(id, expiry);
    s = await repo.findById(id);
    expect(s!.initiatedAt).toBeInstanceOf(Date);
    expect(s!.sdkExpiresAt!.getTime()).toBe(expiry.getTime());
    const events = await repo.findEvents(id);
    expect(events.map((e) => e.type)).toEqual(['INITIATION_REQUESTED', 'INITIATED']);
  });

  it('starts the initiation write from the state creation returned, and reads again when it moved', async () => {
    const id = randomUUID();
    const created = await repo.createForInitiation({
      id,
      userId: `user-${id.slice(0, 8)}`,
      userIdType: 'USER_ID',
      contacts: { email: 'someone@example.test' },
      source: 'SDK',
      userLocale: 'id_ID',
    });
    expect(created.state).toMatchObject({ status: 'INITIATED', version: 1, initiated_at: null });
    // A result lands between creation and the token (the row moved): the stale assumption loses
    // its conditional write and the decision is taken again on a fresh read.
    await repo.applyTransition(id, {
      status: 'IN_PROGRESS',
      event: { type: 'CALLBACK', source: 'callback', dedupeKey: `${id}:IN_PROGRESS` },
    });
    const r = await repo.markInitiated(id, new Date(Date.now() + 3600_000), {}, created.state);
    expect(r).toMatchObject({ previousStatus: 'IN_PROGRESS', status: 'IN_PROGRESS' });
    expect(await repo.findById(id)).toMatchObject({ status: 'IN_PROGRESS' });
  });

  it('applies a completion once, encrypting KTP data and recording the timeline in order', async () => {
    const id = await newSubmission();
    const r = await repo.applyTransition(id, completed());
    expect(r).toMatchObject({
      outcome: 'applied',
      changed: true,
      previousStatus: 'INITIATED',
      status: 'COMPLETED',
    });
    const s = (await repo.findById(id))!;
    expect(s).toMatchObject({ status: 'COMPLETED', result: 'VALID', providerSubmissionId: 'prov-1' });
    expect(s.completedAt).toBeInstanceOf(Date);
    expect(s.nextPollAt).toBeNull();
    expect(s.imageUrlsReceivedAt).toBeInstanceOf(Date);
    expect(s.ktpEnc).not.toContain('3208201808850001');
    expect(repo.decryptKtp(s)).toMatchObject({ nik: '3208201808850001' });
    const events = await repo.findEvents(id);
    expect(events.map((e) => [e.type, e.fromStatus, e.toStatus])).toEqual([
      ['INITIATION_REQUESTED', null, 'INITIATED'],
      ['CALLBACK', null, null],
      ['STATUS_CHANGED', 'INITIATED', 'COMPLETED'],
    ]);
    expect(events[1].payloadEnc).toBeTruthy();
  });

  it('records duplicates, stale and conflicting results without applying them', async () => {
    const id = await newSubmission();
    await repo.applyTransition(id, completed());
    expect((await repo.applyTransition(id, completed())).outcome).toBe('duplicate');
    expect(
      (
        await repo.applyTransition(id, {
          status: 'PARTIALLY_COMPLETED',
          event: { type: 'CALLBACK', source: 'callback' },
        })
      ).outcome,
    ).toBe('stale');
    expect((await repo.applyTransition(id, completed('INVALID'))).outcome).toBe('conflict');
    const s = (await repo.findById(id))!;
    expect(s).toMatchObject({ status: 'COMPLETED', result: 'VALID', hasConflict: true });
    const flags = (await repo.findEvents(id))
      .filter((e) => e.type === 'CALLBACK')
      .map((e) => [e.duplicate, e.stale, e.conflict]);
    expect(flags).toEqual([
      [false, false, false],
      [true, false, false],
      [false, true, false],
      [false, false, true],
    ]);
  });

  it('turns ten concurrent identical results into exactly one status change', async () => {
    const id = await newSubmission();
    const results = await Promise.all(
      Array.from({ length: 10 }, () => repo.applyTransition(id, completed())),
    );
    expect(results.filter((r) => r.outcome === 'applied')).toHaveLength(1);
    expect(results.filter((r) => r.outcome === 'duplicate')).toHaveLength(9);
    const events = await repo.findEvents(id);
    expect(events.filter((e) => e.type === 'STATUS_CHANGED')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'CALLBACK')).toHaveLength(10);
    expect((await repo.findById(id))!.version).toBe(2);
  });

  it('answers not_found for a session it never issued, writing nothing', async () => {
    const before = await ds.query('SELECT count(*)::int AS n FROM submission_events');
    expect((await repo.applyTransition(randomUUID(), completed())).outcome).toBe('not_found');
    const after = await ds.query('SELECT count(*)::int AS n FROM submission_events');
    expect(after[0].n).toBe(before[0].n);
  });

  it('lets an unfinished initiation fail but never a finished one', async () => {
    const id = await newSubmission();
    await repo.markInitiated(id, new Date(Date.now() + 1000));
    const r = await repo.applyTransition(id, {
      status: 'INITIATION_FAILED',
      initiationError: { cause: 'X' },
      event: { type: 'INITIATION_FAILED', source: 'system' },
    });
    expect(r.outcome).toBe('stale');
    const id2 = await newSubmission();
    const r2 = await repo.applyTransition(id2, {
      status: 'INITIATION_FAILED',
      initiationError: { code: '1539', cause: 'INVALID_FLOW' },
      event: { type: 'INITIATION_FAILED', source: 'api' },
    });
    expect(r2).toMatchObject({ outcome: 'applied', status: 'INITIATION_FAILED' });
    expect((await repo.findById(id2))!.initiationError).toEqual({ code: '1539', cause: 'INVALID_FLOW' });
  });

  it('refuses edits of the admin audit log at the database level', async () => {
    await ds.query(`INSERT INTO admin_audit_log (admin_key_id, action) VALUES ('k', 'reveal')`);
    await expect(ds.query(`UPDATE admin_audit_log SET action = 'x'`)).rejects.toThrow(/append-only/);
    await expect(ds.query(`DELETE FROM admin_audit_log`)).rejects.toThrow(/append-only/);
  });
});
