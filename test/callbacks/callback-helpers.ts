// Shared by the callback e2e specs: submissions created through the store, and callback bodies
// and requests as the provider sends them (synthetic personal data only).
import { randomUUID } from 'node:crypto';
import { SubmissionsRepository } from '../../src/submissions/submissions.repository.js';
import { TEST_CALLBACK_SECRET, TestApp } from '../support/app.js';

export const CALLBACK_PATH = '/v1/callbacks/onekyc';

/** A submission as initiation leaves it: INITIATED, with the provider's SDK token issued. */
export async function initiatedSubmission(repo: SubmissionsRepository): Promise<string> {
  const id = randomUUID();
  await repo.createForInitiation({
    id,
    userId: userOf(id),
    userIdType: 'USER_ID',
    contacts: { phoneNumber: '6281200000001' },
    source: 'SDK',
    userLocale: 'id_ID',
  });
  await repo.markInitiated(id, new Date(Date.now() + 3600_000));
  return id;
}

export type Status = 'IN_PROGRESS' | 'PARTIALLY_COMPLETED' | 'COMPLETED' | 'ERROR';

/** The user initiatedSubmission gives a session: results must name it (identity safety). */
export function userOf(partnerSessionId: string): string {
  return `user-${partnerSessionId.slice(0, 8)}`;
}

/** The guide's example body with synthetic data, about the session's own user. */
export function callbackBody(
  partnerSessionId: string,
  status: Status = 'COMPLETED',
  result: 'VALID' | 'INVALID' | 'REJECTED' | null = status === 'COMPLETED' ? 'VALID' : null,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const done = status === 'COMPLETED';
  return {
    submissionId: `prov-${partnerSessionId.slice(0, 8)}`,
    userId: userOf(partnerSessionId),
    userIdType: 'USER_ID',
    partnerSessionId,
    status,
    result,
    ...(done
      ? {
          submissionDetails: {
            verificationResult: { nik: 'PASS', name: 'PASS', dateOfBirth: 'PASS', selfie: 'PASS' },
            ktpData: {
              nik: '3171999999990001',
              name: 'SYNTHETIC PERSON',
              dateOfBirth: '01-01-1990',
              address: 'JL. CONTOH NO. 1',
              validUntil: '',
            },
            certificateRegistration: {
              eligibleToActivate: true,
              onboardingCode: 'NEW_USER',
              shouldSkipActivation: true,
            },
            imageUrls: {
              KTP: 'https://images.example.test/ktp.jpg',
              SELFIE: 'https://images.example.test/selfie.jpg',
            },
          },
        }
      : {}),
    ...extra,
  };
}

export interface SendOptions {
  method?: 'POST' | 'PUT' | 'PATCH';
  credential?: string | null;
  headers?: Record<string, string>;
  /** Sent as is (not JSON-encoded) when a string. */
  raw?: string;
}

export function sendCallback(t: TestApp, body: unknown, opts: SendOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...opts.headers };
  const credential = opts.credential === undefined ? TEST_CALLBACK_SECRET : opts.credential;
  if (credential !== null) headers[t.config.callback.authHeader] = credential;
  return fetch(`${t.baseUrl}${CALLBACK_PATH}`, {
    method: opts.method ?? 'POST',
    headers,
    body: opts.raw ?? JSON.stringify(body),
  });
}

/** The value of one sample of /metrics, 0 when absent. */
export async function metricValue(t: TestApp, sample: string): Promise<number> {
  const text = await (await fetch(`${t.baseUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(sample + ' '));
  return line ? Number(line.slice(sample.length + 1)) : 0;
}
