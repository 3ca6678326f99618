// Which of our submissions a Get Submission Details answer is about. Pure.
//
// The provider answers the user's CURRENT submission, which need not be the session we asked
// about: the user may have started again under another of our sessions, or under a session some
// other system of the partner opened. The answer is applied only to the row whose id equals its
// partnerSessionId, and only when that row belongs to the same user.
import type { OneKycSubmissionDetails } from '../onekyc/onekyc.types.js';
import { PROVIDER_STATUSES, SUBMISSION_RESULTS } from '../submissions/submission-status.js';

export interface AskedSubmission {
  id: string;
  userId: string;
  userIdType: string;
}

export type MatchDecision =
  /** 404 1514/1518: the user has not finished capture yet. Not an error. */
  | { kind: 'not_found' }
  /** The answer is about the submission we asked for: apply it there. */
  | { kind: 'own' }
  /** The answer belongs to another of our sessions for the same user: apply it there. */
  | { kind: 'other_session'; submissionId: string }
  /** The answer belongs to no session of ours for this user: record it, apply nothing. */
  | { kind: 'foreign'; partnerSessionId: string; reason: 'unknown_session' | 'other_user' }
  /** The answer cannot be stored as it is (unknown status, oversized field): record, apply nothing. */
  | { kind: 'invalid'; problem: string };

const MAX_REASON_CODE = 64;
const MAX_PROVIDER_ID = 128;

/** Why an answer cannot be applied as it is, or undefined when it can. */
export function answerProblem(answer: OneKycSubmissionDetails): string | undefined {
  if (!(PROVIDER_STATUSES as readonly string[]).includes(answer.status)) return 'unknown status';
  if (answer.result != null && !(SUBMISSION_RESULTS as readonly string[]).includes(answer.result)) {
    return 'unknown result';
  }
  if (
    answer.reasonCode != null &&
    (typeof answer.reasonCode !== 'string' || answer.reasonCode.length > MAX_REASON_CODE)
  ) {
    return 'reasonCode is not a string of at most 64 characters';
  }
  if (answer.submissionId.length > MAX_PROVIDER_ID) return 'submissionId longer than 128 characters';
  return undefined;
}

/**
 * @param owner our submission whose id equals the answer's partnerSessionId, when it is not the
 *   asked one (looked up by the caller); null when there is none.
 */
export function decideMatch(
  asked: AskedSubmission,
  answer: OneKycSubmissionDetails | null,
  owner: AskedSubmission | null,
): MatchDecision {
  if (answer === null) return { kind: 'not_found' };
  const problem = answerProblem(answer);
  if (problem) return { kind: 'invalid', problem };
  if (answer.partnerSessionId === asked.id) return { kind: 'own' };
  if (!owner || owner.id !== answer.partnerSessionId) {
    return { kind: 'foreign', partnerSessionId: answer.partnerSessionId, reason: 'unknown_session' };
  }
  if (owner.userId !== asked.userId || owner.userIdType !== asked.userIdType) {
    // Our session, but another user's: the provider's answer is inconsistent. Never apply it.
    return { kind: 'foreign', partnerSessionId: answer.partnerSessionId, reason: 'other_user' };
  }
  return { kind: 'other_session', submissionId: owner.id };
}
