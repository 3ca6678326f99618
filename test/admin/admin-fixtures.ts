// Synthetic submissions for the admin tests, written through the store as the real flows do.
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { keyId } from '../../src/common/secrets.js';
import { buildConfig } from '../../src/config/app-config.js';
import type { SubmissionResult, SubmissionStatus } from '../../src/submissions/submission-status.js';
import { Contacts, SubmissionsRepository } from '../../src/submissions/submissions.repository.js';
import { TEST_ADMIN_KEY, TestApp, testEnv } from '../support/app.js';
import { bearer } from '../support/http.js';

export const ADMIN = bearer(TEST_ADMIN_KEY);
/** The admin key's id as the test apps compute it (an HMAC keyed by their configuration). */
export const ADMIN_KEY_ID = keyId(
  TEST_ADMIN_KEY,
  buildConfig(testEnv(), { databaseUrl: 'postgres://unused' }).keyIdKey,
);

export interface SeedOptions {
  userId?: string;
  userIdType?: string;
  contacts?: Contacts;
  /** Where the submission ends; INITIATED leaves it as initiation left it. */
  status?: SubmissionStatus;
  result?: SubmissionResult;
  providerSubmissionId?: string;
  nik?: string;
  name?: string;
  /** Moves created_at (raw SQL: no flow sets it). */
  createdAt?: string;
}

export async function seedSubmission(repo: SubmissionsRepository, ds: DataSource, o: SeedOptions = {}) {
  const id = randomUUID();
  await repo.createForInitiation({
    id,
    userId: o.userId ?? `user-${id.slice(0, 8)}`,
    userIdType: o.userIdType ?? 'USER_ID',
    contacts: o.contacts ?? { phoneNumber: '628123456789' },
    source: 'SDK',
    userLocale: 'id_ID',
  });
  await repo.markInitiated(id, new Date(Date.now() + 3600_000), { expirySeconds: 3600 });
  const status = o.status ?? 'INITIATED';
  if (status === 'COMPLETED') {
    await repo.applyTransition(id, completion(o));
  } else if (status !== 'INITIATED') {
    await repo.applyTransition(id, {
      status,
      providerSubmissionId: o.providerSubmissionId ?? null,
      event: { type: 'CALLBACK', source: 'callback', payload: { status }, dedupeKey: `${id}:${status}` },
    });
  }
  if (o.createdAt) await ds.query(`UPDATE submissions SET created_at = $2 WHERE id = $1`, [id, o.createdAt]);
  return id;
}

export function completion(o: SeedOptions = {}) {
  const result = o.result ?? 'VALID';
  return {
    status: 'COMPLETED' as const,
    result,
    providerSubmissionId: o.providerSubmissionId ?? `SUB-${randomUUID().slice(0, 8)}`,
    verificationResult: { nik: 'PASS', name: 'PASS', dateOfBirth: 'PASS', selfie: 'PASS' },
    certificateRegistration: {
      eligibleToActivate: true,
      onboardingCode: 'ONB-SECRET-1',
      shouldSkipActivation: false,
    },
    ktpData: {
      nik: o.nik ?? '3208201808850001',
      name: o.name ?? 'BUDI SANTOSO',
      dateOfBirth: '18-08-1985',
      address: 'JL. MAWAR NO. 1',
      gender: 'LAKI-LAKI',
      province: 'JAWA BARAT',
    },
    imageUrls: {
      KTP: 'https://images.example.com/ktp/abc?sig=s3cr3t',
      SELFIE: 'https://images.example.com/selfie/abc?sig=s3cr3t',
    },
    event: {
      type: 'CALLBACK' as const,
      source: 'callback' as const,
      payload: { status: 'COMPLETED', result },
      dedupeKey: `COMPLETED:${result}`,
    },
  };
}

export function get(t: TestApp, path: string, headers: Record<string, string> = ADMIN): Promise<Response> {
  return fetch(`${t.baseUrl}${path}`, { headers });
}
