// The rules of CONTRACT.md as one pure function: given the submission as it is and what was just
// observed (a callback, a poll, an expiry, the end of an initiation), what happens. The
// repository's `applyTransition` is the only caller and the only writer of `status`.
import { isTerminal, STATUS_RANK, SubmissionResult, SubmissionStatus } from './submission-status.js';

export interface CurrentState {
  status: SubmissionStatus;
  result: SubmissionResult | null;
  /** null while the provider call of the initiation has not answered yet. */
  initiatedAt: Date | null;
}

export interface Observation {
  status: SubmissionStatus;
  result?: SubmissionResult | null;
}

export type TransitionOutcome =
  /** The status moves forward (or, same status, new facts arrive for the first time). */
  | 'applied'
  /** The same status and result again: recorded, nothing changes. */
  | 'duplicate'
  /** An older status after a newer one (e.g. PARTIALLY_COMPLETED after COMPLETED): recorded, ignored. */
  | 'stale'
  /** A terminal submission told a different terminal story: recorded and flagged, never applied. */
  | 'conflict';

export interface TransitionDecision {
  outcome: TransitionOutcome;
  /** True when `status` (and so the row) changes. */
  changesStatus: boolean;
}

export function decideTransition(current: CurrentState, next: Observation): TransitionDecision {
  const nextResult = next.result ?? null;
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
      return { outcome: current.result === null ? 'applied' : 'conflict', changesStatus: false };
    }
    return { outcome: 'duplicate', changesStatus: false };
  }
  if (isTerminal(current.status)) {
    // Terminal stays terminal. A different terminal story (COMPLETED after EXPIRED, ERROR after
    // COMPLETED) is a conflict an operator must see; an older pending status is merely stale.
    return { outcome: isTerminal(next.status) ? 'conflict' : 'stale', changesStatus: false };
  }
  if (STATUS_RANK[next.status] < STATUS_RANK[current.status])
    return { outcome: 'stale', changesStatus: false };
  return { outcome: 'applied', changesStatus: true };
}
