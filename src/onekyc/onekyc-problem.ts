// How a provider failure looks to our own callers (CONTRACT.md "Errors"): the provider refused →
// 502 with its `cause` and `code`; the provider did not answer (unreachable, timeout, 5xx,
// throttled, circuit open, our rate limit) → 503 with Retry-After.
import { ProblemException, registerProblemMapper } from '../common/problem.js';
import { OneKycException } from './onekyc.exception.js';

const DEFAULT_RETRY_AFTER_SECONDS = 5;

export function oneKycProblem(err: OneKycException): ProblemException {
  if (err.isTemporary) {
    const retryAfter = Math.max(1, Math.ceil(err.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS));
    return ProblemException.of(
      503,
      'The identity provider is not answering right now; try again later.',
      { type: 'provider-unavailable', kind: err.kind },
      { 'retry-after': String(retryAfter) },
    );
  }
  return ProblemException.of(
    502,
    `The identity provider refused the request${err.providerCause ? `: ${err.providerCause}` : ''}.`,
    {
      type: 'provider-refused',
      kind: err.kind,
      ...(err.providerCause !== undefined ? { cause: err.providerCause } : {}),
      ...(err.code !== undefined ? { code: err.code } : {}),
    },
  );
}

/** Idempotent: registerProblemMapper ignores a second registration for the same type. */
export function registerOneKycProblemMapper(): void {
  registerProblemMapper(OneKycException, oneKycProblem);
}
