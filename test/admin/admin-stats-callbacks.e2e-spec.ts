// GET /admin/stats and GET /admin/callbacks/unmatched on the real app.
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { PiiCipher } from '../../src/submissions/pii/pii-cipher.js';
import { SubmissionsRepository } from '../../src/submissions/submissions.repository.js';
import { startTestApp, TestApp } from '../support/app.js';
import { json } from '../support/http.js';
import { completion, get, seedSubmission } from './admin-fixtures.js';

describe('admin API: stats and quarantined callbacks (real app, real PostgreSQL)', () => {
  let t: TestApp;
  let ds: DataSource;
  let repo: SubmissionsRepository;
  let pii: PiiCipher;

  beforeAll(async () => {
    t = await startTestApp();
    ds = t.app.get(DataSource);
    repo = t.app.get(SubmissionsRepository);
    pii = t.app.get(PiiCipher);
  });
  afterAll(async () => {
    await t?.close();
  });

  async function stats() {
    const res = await get(t, '/admin/stats');
    expect(res.status).toBe(200);
    return json(res);
  }

  async function quarantine(
    o: { sessionId?: string; receivedAt?: string; resolved?: boolean; nik?: string } = {},
  ) {
    const body = {
      partnerSessionId: o.sessionId ?? randomUUID(),
      submissionId: `SUB-${randomUUID().slice(0, 6)}`,
      userId: 'user-q',
      userIdType: 'USER_ID',
      status: 'COMPLETED',
      result: 'VALID',
      submissionDetails: {
        ktpData: {
          nik: o.nik ?? '3208201808850001',
          name: 'BUDI SANTOSO',
          dateOfBirth: '18-08-1985',
          address: 'JL. MAWAR',
        },
        imageUrls: { KTP: 'https://images.example.com/ktp?sig=s3cr3t' },
      },
    };
    const [row] = await ds.query(
      `INSERT INTO unmatched_callbacks (partner_session_id, provider_submission_id, status, result, payload_enc,
                                        received_at, resolved_at)
       VALUES ($1, $2, $3, $4, $5, COALESCE($6::timestamptz, now()), CASE WHEN $7::boolean THEN now() END)
       RETURNING id::text AS id`,
      [
        body.partnerSessionId,
        body.submissionId,
        body.status,
        body.result,
        pii.encryptJson(body),
        o.receivedAt ?? null,
        !!o.resolved,
      ],
    );
    return { id: row.id as string, body };
  }

  it('should answer zeros on an empty service, every status and result present', async () => {
    const body = await stats();
    expect(body).toMatchObject({
      total: 0,
      byStatus: {
        INITIATED: 0,
        IN_PROGRESS: 0,
        PARTIALLY_COMPLETED: 0,
        COMPLETED: 0,
        ERROR: 0,
        EXPIRED: 0,
        INITIATION_FAILED: 0,
      },
      byResult: { VALID: 0, INVALID: 0, REJECTED: 0, none: 0 },
      pending: 0,
      oldestPendingCreatedAt: null,
      oldestPendingAgeSeconds: null,
      conflicts: 0,
      quarantinedCallbacks: 0,
      reconciliationRuns: [],
    });
    expect(Date.parse(body.generatedAt)).not.toBeNaN();
  });

  it('should count by status and result, conflicts, the oldest pending age and quarantined callbacks', async () => {
    const old = new Date(Date.now() - 3 * 3600_000).toISOString();
    await seedSubmission(repo, ds, { status: 'IN_PROGRESS', createdAt: old });
    await seedSubmission(repo, ds, {});
    await seedSubmission(repo, ds, { status: 'COMPLETED', result: 'VALID' });
    const conflicted = await seedSubmission(repo, ds, { status: 'COMPLETED', result: 'VALID' });
    await repo.applyTransition(conflicted, completion({ result: 'INVALID' }));
    await seedSubmission(repo, ds, { status: 'COMPLETED', result: 'REJECTED' });
    await seedSubmission(repo, ds, { status: 'ERROR' });
    // A terminal row older than every pending one does not count as pending.
    await seedSubmission(repo, ds, { status: 'EXPIRED', createdAt: '2024-01-01T00:00:00Z' });
    await quarantine();
    await quarantine();
    await quarantine({ resolved: true });

    const body = await stats();
    expect(body).toMatchObject({
      total: 7,
      byStatus: { INITIATED: 1, IN_PROGRESS: 1, COMPLETED: 3, ERROR: 1, EXPIRED: 1, PARTIALLY_COMPLETED: 0 },
      byResult: { VALID: 2, INVALID: 0, REJECTED: 1, none: 4 },
      pending: 2,
      oldestPendingCreatedAt: old,
      conflicts: 1,
      quarantinedCallbacks: 2,
    });
    expect(body.oldestPendingAgeSeconds).toBeGreaterThanOrEqual(3 * 3600 - 5);
    expect(body.oldestPendingAgeSeconds).toBeLessThan(3 * 3600 + 60);
  });

  it('should show the last 10 reconciliation runs, newest first, and no other job', async () => {
    await ds.query(
      `INSERT INTO job_runs (job, instance_id, started_at, finished_at, claimed, updated, unchanged, failed, expired,
                             duration_ms, error)
       SELECT 'reconcile', 'instance-' || (g % 2), now() - g * interval '1 minute',
              now() - g * interval '1 minute' + interval '2 seconds', 10 + g, g, 10, 0, 0, 2000,
              CASE WHEN g = 1 THEN 'provider timeout' END
       FROM generate_series(0, 11) g`,
    );
    await ds.query(
      `INSERT INTO job_runs (job, instance_id, started_at) VALUES ('pii-retention', 'instance-0', now())`,
    );
    const { reconciliationRuns } = await stats();
    expect(reconciliationRuns).toHaveLength(10);
    expect(reconciliationRuns.map((r: any) => r.claimed)).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    expect(reconciliationRuns[0]).toMatchObject({
      instanceId: 'instance-0',
      updated: 0,
      unchanged: 10,
      failed: 0,
      expired: 0,
      durationMs: 2000,
      error: null,
    });
    expect(reconciliationRuns[1].error).toBe('provider timeout');
    expect(Date.parse(reconciliationRuns[0].startedAt)).toBeGreaterThan(
      Date.parse(reconciliationRuns[1].startedAt),
    );
  });

  describe('quarantined callbacks', () => {
    let all: { id: string; body: any }[];

    beforeAll(async () => {
      await ds.query(`DELETE FROM unmatched_callbacks`);
      all = [];
      // 25 unresolved, a second apart, oldest first; two of them share one instant.
      for (let i = 0; i < 25; i++) {
        const at = new Date(Date.UTC(2025, 5, 1, 0, 0, i === 13 ? 12 : i)).toISOString();
        all.push(await quarantine({ receivedAt: at, nik: `32082018088500${String(i).padStart(2, '0')}` }));
      }
      await quarantine({ resolved: true, receivedAt: '2025-06-01T00:00:05Z' });
    });

    async function walk(query: string) {
      const rows: any[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res = await get(
          t,
          `/admin/callbacks/unmatched?${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        expect(res.status).toBe(200);
        const body = await json(res);
        rows.push(...body.data);
        cursor = body.nextCursor;
        pages++;
      } while (cursor && pages < 100);
      return { rows, pages };
    }

    it('should list them newest first, masked, without the raw payload', async () => {
      const res = await get(t, '/admin/callbacks/unmatched?limit=3');
      const text = await res.text();
      for (const clear of [
        '3208201808850024',
        'BUDI',
        'SANTOSO',
        'JL. MAWAR',
        's3cr3t',
        'user-q',
        'v1:k1:',
      ]) {
        expect(text).not.toContain(clear);
      }
      const body = JSON.parse(text);
      expect(body.data).toHaveLength(3);
      expect(body.data[0]).toEqual({
        id: all[24].id,
        partnerSessionId: all[24].body.partnerSessionId,
        submissionId: all[24].body.submissionId,
        status: 'COMPLETED',
        result: 'VALID',
        source: 'callback',
        ktpData: { nik: '3208********0024', name: 'B. S.', dateOfBirth: '**-**-1985', address: '***' },
        receivedAt: '2025-06-01T00:00:24.000Z',
        resolvedAt: null,
      });
      expect(body.nextCursor).toEqual(expect.any(String));
    });

    it('should page through every unresolved callback once, in order', async () => {
      const { rows, pages } = await walk('limit=4');
      expect(pages).toBe(7);
      expect(rows.map((r) => r.id)).toEqual(
        [...all]
          .sort((a, b) => {
            const [ta, tb] = [a.body, b.body].map(
              (_, k) => rows.find((r) => r.id === [a, b][k].id)!.receivedAt,
            );
            return ta === tb ? Number(b.id) - Number(a.id) : tb.localeCompare(ta);
          })
          .map((c) => c.id),
      );
      expect(rows.every((r) => r.resolvedAt === null)).toBe(true);
    });

    it('should include resolved ones on request, and keep the cursor bound to that choice', async () => {
      const { rows } = await walk('limit=10&includeResolved=true');
      expect(rows).toHaveLength(26);
      expect(rows.filter((r) => r.resolvedAt !== null)).toHaveLength(1);
      const first = await json(await get(t, '/admin/callbacks/unmatched?limit=2&includeResolved=true'));
      const res = await get(
        t,
        `/admin/callbacks/unmatched?limit=2&cursor=${encodeURIComponent(first.nextCursor)}`,
      );
      expect(res.status).toBe(400);
    });
  });
});
