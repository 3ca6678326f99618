// A validated callback body as the store's TransitionInput. Pure.
import type { TransitionInput } from '../submissions/submissions.repository.js';
import type { CallbackBody } from './callback-body.pipe.js';

// Our verification ids (x-partner-session-id) are UUIDs. Anything else cannot be ours and must
// not reach a uuid-typed SQL parameter: it goes straight to the quarantine.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isOurSessionIdFormat(partnerSessionId: string): boolean {
  return UUID.test(partnerSessionId);
}

/** PROVIDER.md: de-duplicate on submissionId + status + result. */
export function dedupeKey(body: Pick<CallbackBody, 'submissionId' | 'status' | 'result'>): string {
  return `${body.submissionId}:${body.status}:${body.result ?? ''}`;
}

export function toTransitionInput(body: CallbackBody): TransitionInput {
  const details = body.submissionDetails;
  return {
    status: body.status,
    result: body.result ?? null,
    reasonCode: body.reasonCode ?? null,
    providerSubmissionId: body.submissionId,
    verificationResult: (details?.verificationResult as Record<string, unknown> | undefined) ?? null,
    certificateRegistration:
      (details?.certificateRegistration as Record<string, unknown> | undefined) ?? null,
    ktpData: (details?.ktpData as Record<string, unknown> | undefined) ?? null,
    imageUrls: (details?.imageUrls as Record<string, unknown> | undefined) ?? null,
    event: { type: 'CALLBACK', source: 'callback', payload: body, dedupeKey: dedupeKey(body) },
  };
}
