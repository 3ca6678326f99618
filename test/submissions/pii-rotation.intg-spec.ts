import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { PiiReencryptionService } from '../../src/submissions/pii/pii-reencryption.service.js';
import { SubmissionsRepository } from '../../src/submissions/submissions.repository.js';
import { startTestApp } from '../support/app.js';
import { createTestDatabase } from '../support/database.js';

const key = (b: number) => Buffer.alloc(32, b).toString('base64');
const BLIND = key(42);

describe('PII key rotation (real PostgreSQL)', () => {
  it('keeps old rows readable after a new key is prepended, then re-encrypts them so the old key can go', async () => {
    const db = await createTestDatabase();
    try {
      const id = randomUUID();
      const oldApp = await startTestApp(
        { PII_ENCRYPTION_KEYS: `old:${key(1)}`, PII_BLIND_INDEX_KEY: BLIND },
        { db },
      );
      const oldRepo = oldApp.app.get(SubmissionsRepository);
      await oldRepo.createForInitiation({
        id,
        userId: 'u-rot',
        userIdType: 'USER_ID',
        contacts: { email: 'rot@example.com' },
        source: 'SDK',
        userLocale: 'id_ID',
      });
      await oldRepo.applyTransition(id, {
        status: 'COMPLETED',
        result: 'VALID',
        ktpData: { nik: '3171234567890001', name: 'SITI AMINAH' },
        event: { type: 'CALLBACK', source: 'callback', payload: { nik: '3171234567890001' } },
      });
      await oldApp.close();

      const rotated = await startTestApp(
        { PII_ENCRYPTION_KEYS: `new:${key(2)},old:${key(1)}`, PII_BLIND_INDEX_KEY: BLIND },
        { db },
      );
      const repo = rotated.app.get(SubmissionsRepository);
      const before = (await repo.findById(id))!;
      expect(before.ktpEnc!.startsWith('v1:old:')).toBe(true);
      expect(repo.decryptKtp(before)).toMatchObject({ nik: '3171234567890001' });
      const counts = await rotated.app.get(PiiReencryptionService).reencryptAll(1);
      expect(counts.submissions).toBe(1);
      expect(counts.submission_events).toBe(1);
      const ds = rotated.app.get(DataSource);
      const leftovers = await ds.query(
        `SELECT count(*)::int AS n FROM submissions WHERE contact_enc LIKE 'v1:old:%' OR ktp_enc LIKE 'v1:old:%'`,
      );
      expect(leftovers[0].n).toBe(0);
      await rotated.close();

      const newOnly = await startTestApp(
        { PII_ENCRYPTION_KEYS: `new:${key(2)}`, PII_BLIND_INDEX_KEY: BLIND },
        { db },
      );
      const after = (await newOnly.app.get(SubmissionsRepository).findById(id))!;
      expect(newOnly.app.get(SubmissionsRepository).decryptKtp(after)).toMatchObject({ name: 'SITI AMINAH' });
      expect(newOnly.app.get(SubmissionsRepository).decryptContacts(after).email).toBe('rot@example.com');
      expect(after.nikHash).toBe(before.nikHash);
      await newOnly.close();
    } finally {
      await db.drop();
    }
  });
});
