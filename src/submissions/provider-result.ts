// A provider result as the store's TransitionInput. Pure. Shared by callback ingestion (the body
// the provider pushes) and reconciliation (the same shape, pulled with Get Submission Details),
// so both paths record exactly the same facts.
import type { ProviderStatus, SubmissionResult } from './submission-status.js';
import type { EventInput, TransitionInput } from './submissions.repository.js';

// Our verification ids (x-partner-session-id) are UUIDs. Anything else cannot be ours and must
// not reach a uuid-typed SQL parameter: it goes straight to the quarantine.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isOurSessionIdFormat(partnerSessionId: string): boolean {
  return UUID.test(partnerSessionId);
}

/** What a result callback body and a Get Submission Details answer have in common. */
export interface ProviderResult {
  submissionId: string;
  userId?: string | null;
  userIdType?: string | null;
  processedAt?: string | null;
  status: ProviderStatus;
  result?: SubmissionResult | null;
  reasonCode?: string | null;
  submissionDetails?: {
    verificationResult?: object | null;
    ktpData?: object | null;
    certificateRegistration?: object | null;
    eligibleToActivate?: boolean | null;
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
  const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);
  return {
    status: body.status,
    result: body.result ?? null,
    reasonCode: body.reasonCode ?? null,
    providerSubmissionId: body.submissionId,
    verificationResult: obj(details?.verificationResult),
    certificateRegistration: certificateRegistration(details),
    ktpData: obj(details?.ktpData),
    imageUrls: obj(details?.imageUrls),
    // Whom the result is about: applied only to that user's session (never another's KTP data).
    reportedUser: { userId: text(body.userId), userIdType: text(body.userIdType) },
    providerProcessedAt: processedAt(body.processedAt),
    event,
  };
}

/**
 * `eligibleToActivate` sits under `certificateRegistration` in the result examples and directly
 * under `submissionDetails` in the certificate-registration flow's: read both into one object
 * (the nested one wins when both are there).
 */
export function certificateRegistration(
  details: ProviderResult['submissionDetails'],
): Record<string, unknown> | null {
  const nested = (details?.certificateRegistration as Record<string, unknown> | null | undefined) ?? null;
  const flat = details?.eligibleToActivate;
  if (typeof flat !== 'boolean' || (nested && typeof nested.eligibleToActivate === 'boolean')) return nested;
  return { ...nested, eligibleToActivate: flat };
}

/** An ISO 8601 instant the database can store, or null (an unreadable value is kept in the payload only). */
export function processedAt(value: unknown): Date | null {
  if (typeof value !== 'string' || value.length > 64) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) || ms < Date.UTC(2000, 0, 1) || ms > Date.UTC(2100, 0, 1) ? null : new Date(ms);
}
