// The statuses of the contract and the order they move in. Pure data, no I/O.

export const SUBMISSION_STATUSES = [
  'INITIATED',
  'IN_PROGRESS',
  'PARTIALLY_COMPLETED',
  'COMPLETED',
  'ERROR',
  'EXPIRED',
  'INITIATION_FAILED',
] as const;
export type SubmissionStatus = (typeof SUBMISSION_STATUSES)[number];

/** The statuses the provider itself reports (callbacks and Get Submission Details). */
export const PROVIDER_STATUSES = ['IN_PROGRESS', 'PARTIALLY_COMPLETED', 'COMPLETED', 'ERROR'] as const;
export type ProviderStatus = (typeof PROVIDER_STATUSES)[number];

export const SUBMISSION_RESULTS = ['VALID', 'INVALID', 'REJECTED'] as const;
export type SubmissionResult = (typeof SUBMISSION_RESULTS)[number];

export const TERMINAL_STATUSES: ReadonlySet<SubmissionStatus> = new Set([
  'COMPLETED',
  'ERROR',
  'EXPIRED',
  'INITIATION_FAILED',
]);
/** Not yet terminal: reconciliation polls these and the clock may expire them. */
export const PENDING_STATUSES: readonly SubmissionStatus[] = SUBMISSION_STATUSES.filter(
  (s) => !TERMINAL_STATUSES.has(s),
);

/** Progress rank: a status may only move to a higher rank. All terminal statuses share the top. */
export const STATUS_RANK: Record<SubmissionStatus, number> = {
  INITIATED: 0,
  IN_PROGRESS: 1,
  PARTIALLY_COMPLETED: 2,
  COMPLETED: 3,
  ERROR: 3,
  EXPIRED: 3,
  INITIATION_FAILED: 3,
};

/**
 * The result partners see: none before PARTIALLY_COMPLETED. The provider may attach a result to
 * IN_PROGRESS (capture received, still checking); showing it would let a later INVALID contradict
 * a VALID the partner already acted on.
 */
export function partnerVisibleResult(
  status: SubmissionStatus,
  result: SubmissionResult | null,
): SubmissionResult | null {
  return status === 'PARTIALLY_COMPLETED' || status === 'COMPLETED' ? result : null;
}

export function isTerminal(status: SubmissionStatus): boolean {
  return TERMINAL_STATUSES.has(status);
}

export type EventType =
  | 'INITIATION_REQUESTED'
  | 'INITIATED'
  | 'INITIATION_FAILED'
  | 'CALLBACK'
  | 'POLL'
  | 'STATUS_CHANGED'
  | 'EXPIRED'
  | 'PII_REDACTED'
  /** A warning about the identity was added (detail: {warning, relatedVerificationId?}). */
  | 'IDENTITY_WARNING';

export type EventSource = 'api' | 'callback' | 'reconciliation' | 'admin' | 'system';
