// The contract's status rules as one pure function: given the submission as it is and what was
// just observed (a callback, a poll, an expiry, the provider issuing the SDK token, the end of an
// initiation), what happens, and what kind of change partners hear about. The store's
// `applyTransition` is the only caller and the only writer of a submission's state.
import { isTerminal, STATUS_RANK, SubmissionResult, SubmissionStatus } from './submission-status.js';

export interface CurrentState {
  status: SubmissionStatus;
  result: SubmissionResult | null;
  /** null while the provider call of the initiation has not answered yet. */
  initiatedAt: Date | null;
  /** The user the session was opened for. */
  userId: string;
  userIdType: string;
}

export interface Observation {
  status: SubmissionStatus;
  result?: SubmissionResult | null;
  /**
   * The provider answered the initiation with an SDK token (status stays INITIATED): the
   * submission now waits for the user. Sets `initiatedAt` once.
   */
  tokenIssued?: boolean;
  /**
   * Whom a provider result (callback or poll answer) says it is about; null where it names
   * nobody. Set for every provider result, absent for our own observations (expiry, initiation).
   */
  reportedUser?: { userId: string | null; userIdType: string | null };
}

/**
 * What a change means to partners, as the store's follow-ups see it (`changed.change_kind`);
 * null for bookkeeping they need not hear about (the token issued, a conflict flagged).
 */
export type ChangeKind = 'created' | 'updated' | 'completed' | 'failed' | 'expired' | 'redacted';

export type TransitionOutcome =
  /** The status moves forward (or, same status, new facts arrive for the first time). */
  | 'applied'
  /** The same status and result again: recorded, nothing changes. */
  | 'duplicate'
  /** An older status after a newer one (e.g. PARTIALLY_COMPLETED after COMPLETED): recorded, ignored. */
  | 'stale'
  /**
   * Recorded and flagged for operators, never applied: a terminal submission told a different
   * terminal story, or a provider result about another user (or about nobody).
   */
  | 'conflict'
  /**
   * A COMPLETED without a result: not final (the status stays), recorded, and the submission is
   * polled soon for the details.
   */
  | 'incomplete';

export type ConflictReason = 'terminal' | 'user_mismatch' | 'user_missing';

export interface TransitionDecision {
  outcome: TransitionOutcome;
  /** True when `status` (and so the row) changes. */
  changesStatus: boolean;
  /** Why an outcome is `conflict`. */
  conflictReason?: ConflictReason;
}

/**
 * Identity safety: a provider result is applied only when it names the session's own user. One
 * that names another user (or nobody) would put another person's KTP data on this user's
 * verification; it is a conflict, whatever its status.
 */
export function identityConflict(
  current: Pick<CurrentState, 'userId' | 'userIdType'>,
  reported: Observation['reportedUser'],
): ConflictReason | undefined {
  if (reported === undefined) return undefined;
  if (!reported.userId || !reported.userIdType) return 'user_missing';
  if (reported.userId !== current.userId || reported.userIdType !== current.userIdType)
    return 'user_mismatch';
  return undefined;
}

export function decideTransition(current: CurrentState, next: Observation): TransitionDecision {
  const nextResult = next.result ?? null;
  if (next.tokenIssued) {
    // Once only; and not after the initiation was declared failed (the row was closed meanwhile).
    if (current.initiatedAt !== null) return { outcome: 'duplicate', changesStatus: false };
    if (current.status === 'INITIATION_FAILED') return { outcome: 'stale', changesStatus: false };
    return { outcome: 'applied', changesStatus: false };
  }
  const wrongUser = identityConflict(current, next.reportedUser);
  if (wrongUser) return { outcome: 'conflict', changesStatus: false, conflictReason: wrongUser };
  if (
    next.status === 'INITIATION_FAILED' &&
    current.initiatedAt !== null &&
    current.status !== 'INITIATION_FAILED'
  ) {
    // An initiation that succeeded cannot fail afterwards.
    return { outcome: 'stale', changesStatus: false };
  }
  if (next.status === current.status) {
    if (current.status === 'COMPLETED' && nextResult !== current.result && nextResult !== null) {
      return current.result === null
        ? { outcome: 'applied', changesStatus: false }
        : { outcome: 'conflict', changesStatus: false, conflictReason: 'terminal' };
    }
    return { outcome: 'duplicate', changesStatus: false };
  }
  if (isTerminal(current.status)) {
    // Terminal stays terminal. A different terminal story (COMPLETED after EXPIRED, ERROR after
    // COMPLETED) is a conflict an operator must see; an older pending status is merely stale.
    return isTerminal(next.status)
      ? { outcome: 'conflict', changesStatus: false, conflictReason: 'terminal' }
      : { outcome: 'stale', changesStatus: false };
  }
  // COMPLETED + VALID means the certificate exists, COMPLETED + INVALID carries the reason: a
  // COMPLETED that says neither is not a final answer. Wait for the details (the store polls soon).
  if (next.status === 'COMPLETED' && nextResult === null && next.reportedUser !== undefined) {
    return { outcome: 'incomplete', changesStatus: false };
  }
  if (STATUS_RANK[next.status] < STATUS_RANK[current.status])
    return { outcome: 'stale', changesStatus: false };
  return { outcome: 'applied', changesStatus: true };
}

/**
 * The kind of an applied change, named after the status the observation reports: a status that
 * moved, or facts learned for the first time at the same status (a COMPLETED that now brings its
 * result is `completed` again, with `previous_status` COMPLETED). The token issued and a flagged
 * conflict are bookkeeping (null). Only meaningful for outcome `applied` and `conflict`.
 */
export function changeKindOf(next: Observation, decision: TransitionDecision): ChangeKind | null {
  if (decision.outcome !== 'applied' || next.tokenIssued) return null;
  switch (next.status) {
    case 'INITIATED':
      return null;
    case 'IN_PROGRESS':
    case 'PARTIALLY_COMPLETED':
      return 'updated';
    case 'COMPLETED':
      return 'completed';
    case 'ERROR':
    case 'INITIATION_FAILED':
      return 'failed';
    case 'EXPIRED':
      return 'expired';
  }
}
