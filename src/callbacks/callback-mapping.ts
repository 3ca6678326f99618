// A provider result as the store's TransitionInput. Pure. Shared by callback ingestion (the body
// the provider pushes) and reconciliation (the same shape, pulled with Get Submission Details),
// so both paths record exactly the same facts.
import type { ProviderStatus, SubmissionResult } from '../submissions/submission-status.js';
import type { EventInput, TransitionInput } from '../submissions/submissions.repository.js';
import type { CallbackBody } from './callback-body.pipe.js';

// Our verification ids (x-partner-session-id) are UUIDs. Anything else cannot be ours and must
// not reach a uuid-typed SQL parameter: it goes straight to the quarantine.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isOurSessionIdFormat(partnerSessionId: string): boolean {
  return UUID.test(partnerSessionId);
}

/** What a result callback body and a Get Submission Details answer have in common. */
export interface ProviderResult {
  submissionId: string;
  status: ProviderStatus;
  result?: SubmissionResult | null;
  reasonCode?: string | null;
  submissionDetails?: {
    verificationResult?: object | null;
    ktpData?: object | null;
    certificateRegistration?: object | null;
    imageUrls?: object | null;
  } | null;
}

/** The provider's rule: a delivery is the same when submissionId, status and result are. */
export function dedupeKey(body: Pick<ProviderResult, 'submissionId' | 'status' | 'result'>): string {
  return `${body.submissionId}:${body.status}:${body.result ?? ''}`;
}

/** The observation a provider result makes, recorded with `event` (a CALLBACK, a POLL...). */
export function providerResultToTransitionInput(body: ProviderResult, event: EventInput): TransitionInput {
  const details = body.submissionDetails;
  const obj = (v: object | null | undefined) => (v as Record<string, unknown> | null | undefined) ?? null;
  return {
    status: body.status,
    result: body.result ?? null,
    reasonCode: body.reasonCode ?? null,
    providerSubmissionId: body.submissionId,
    verificationResult: obj(details?.verificationResult),
    certificateRegistration: obj(details?.certificateRegistration),
    ktpData: obj(details?.ktpData),
    imageUrls: obj(details?.imageUrls),
    event,
  };
}

export function toTransitionInput(body: CallbackBody): TransitionInput {
  return providerResultToTransitionInput(body, {
    type: 'CALLBACK',
    source: 'callback',
    payload: body,
    dedupeKey: dedupeKey(body),
  });
}
