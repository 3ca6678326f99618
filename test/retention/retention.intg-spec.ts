// Retention against real PostgreSQL: personal data of verifications finished more than
// PII_RETENTION_DAYS ago is erased (the outcome and timeline stay), and the age-based deletes
// (expired idempotency keys, old quarantined callbacks) run with it. SQL moves rows in time.
import { DataSource } from 'typeorm';
import { RetentionService } from '../../src/retention/retention.service.js';
import { SubmissionsRepository } from '../../src/submissions/submissions.repository.js';
import { startStack, TestStack } from '../support/stack.js';
import {
  eventsOf,
  initiatedSubmission,
  makeNotDue,
  rowOf,
} from '../reconciliation/reconciliation-helpers.js';

describe('Retention (real PostgreSQL)', () => {
  let s: TestStack;
  let ds: DataSource;
  let repo: SubmissionsRepository;

  beforeAll(async () => {
    s = await startStack({ RECONCILE_ENABLED: 'false' });
    ds = s.app.get(DataSource);
    repo = s.app.get(SubmissionsRepository);
  });
  afterAll(async () => {
    await s?.close();
  });

  it('should erase personal data after PII_RETENTION_DAYS and keep the outcome and timeline', async () => {
    const old = await initiatedSubmission(repo);
    const recent = await initiatedSubmission(repo);
    const expiredWithLateResult = await initiatedSubmission(repo);
    await makeNotDue(ds, [old.id, recent.id, expiredWithLateResult.id]);
    const ktp = { nik: '3171000000000099', name: 'SYNTHETIC RETENTION', dateOfBirth: '01-01-1990' };
    for (const id of [old.id, recent.id]) {
      // Each user their own NIK: a shared one would add an identity warning to both timelines.
      const own = { ...ktp, nik: id === old.id ? ktp.nik : '3171000000000098' };
      await repo.applyTransition(id, {
        status: 'COMPLETED',
        result: 'VALID',
        reasonCode: null,
        verificationResult: { nik: 'PASS', selfie: 'PASS' },
        ktpData: own,
        imageUrls: { KTP: 'https://images.example.test/k.jpg' },
        event: { type: 'CALLBACK', source: 'callback', payload: { submissionDetails: { ktpData: ktp } } },
      });
    }
    await repo.applyTransition(expiredWithLateResult.id, {
      status: 'EXPIRED',
      event: { type: 'EXPIRED', source: 'reconciliation' },
    });
    // A late result on an expired row: a conflict, whose payload holds KTP data although ktp_enc is null.
    await repo.applyTransition(expiredWithLateResult.id, {
      status: 'COMPLETED',
      result: 'VALID',
      ktpData: ktp,
      event: { type: 'CALLBACK', source: 'callback', payload: { submissionDetails: { ktpData: ktp } } },
    });
    await ds.query(
      `UPDATE submissions SET completed_at = now() - interval '366 days' WHERE id = ANY($1::uuid[])`,
      [[old.id, expiredWithLateResult.id]],
    );
    await ds.query(
      `INSERT INTO idempotency_keys (api_key_id, key, request_hash, state, expires_at)
       VALUES ('k', 'expired-key', repeat('0', 64), 'COMPLETED', now() - interval '1 minute'),
              ('k', 'live-key', repeat('0', 64), 'COMPLETED', now() + interval '1 hour')`,
    );

    await ds.query(
      `INSERT INTO unmatched_callbacks (partner_session_id, payload_enc, received_at)
       VALUES ('old-foreign', 'v1:x:a:b:c', now() - interval '366 days'), ('new-foreign', 'v1:x:a:b:c', now())`,
    );

    const retention = s.app.get(RetentionService);
    const summary = (await retention.runOnce())!;
    expect(summary.error).toBeNull();
    expect(summary.updated).toBeGreaterThanOrEqual(2);
    expect(summary.expired).toBeGreaterThanOrEqual(1);

    const erased = (await repo.findById(old.id))!;
    expect(erased).toMatchObject({
      status: 'COMPLETED',
      result: 'VALID',
      verificationResult: { nik: 'PASS', selfie: 'PASS' },
      ktpEnc: null,
      imageUrlsEnc: null,
      nikHash: null,
    });
    expect(erased.piiRedactedAt).not.toBeNull();
    // The masks of the KTP data go with it; the contacts' masks stay, as the contacts do.
    expect(erased.piiMasked).not.toHaveProperty('nik');
    expect(erased.piiMasked).not.toHaveProperty('name');
    expect(erased.piiMasked).toHaveProperty('phoneNumber');
    const timeline = await eventsOf(ds, old.id);
    expect(timeline.map((e) => e.type)).toEqual([
      'INITIATION_REQUESTED',
      'INITIATED',
      'CALLBACK',
      'STATUS_CHANGED',
      'PII_REDACTED',
    ]);
    expect(timeline.every((e) => e.payload_enc === null)).toBe(true);
    expect(timeline.at(-1)).toMatchObject({
      source: 'system',
      detail: { retentionDays: 365, ktpData: true, imageUrls: true, nikHash: true, eventPayloads: 1 },
    });

    const late = await eventsOf(ds, expiredWithLateResult.id);
    expect(late.every((e) => e.payload_enc === null)).toBe(true);
    expect(late.at(-1)).toMatchObject({ type: 'PII_REDACTED', detail: { ktpData: false, eventPayloads: 1 } });
    expect((await rowOf(ds, expiredWithLateResult.id)).status).toBe('EXPIRED');

    const kept = (await repo.findById(recent.id))!;
    expect(kept.ktpEnc).not.toBeNull();
    expect(kept.piiMasked).toHaveProperty('nik');
    expect(kept.piiRedactedAt).toBeNull();
    expect((await eventsOf(ds, recent.id)).some((e) => e.payload_enc !== null)).toBe(true);

    const keys = await ds.query(`SELECT key FROM idempotency_keys WHERE api_key_id = 'k' ORDER BY key`);
    expect(keys).toEqual([{ key: 'live-key' }]);
    // Quarantined callbacks past retention are deleted whole (their payload may hold KTP data).
    expect(summary.quarantinePurged).toBe(1);
    const quarantine = await ds.query(`SELECT partner_session_id FROM unmatched_callbacks ORDER BY id`);
    expect(quarantine).toEqual([{ partner_session_id: 'new-foreign' }]);
    const [runRow] = await ds.query(`SELECT job, claimed, updated, expired FROM job_runs WHERE id = $1`, [
      summary.runId,
    ]);
    expect(runRow).toMatchObject({ job: 'retention', updated: summary.updated, expired: summary.expired });

    // A second run finds nothing left to do.
    expect(await retention.runOnce()).toMatchObject({ claimed: 0, updated: 0 });
  });
});
