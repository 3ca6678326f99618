// How a provider failure looks to our own callers (the contract's errors): the provider answered
// with an error (a 4xx refusal, or a 5xx/429 with its envelope) → 502 carrying its `cause` and
// `code` (plus Retry-After when trying again later can help); the provider did not answer
// (refused connection, timeout, circuit open, our own rate-limit wait) → 503 with Retry-After.
import { ProblemException, registerProblemMapper } from '../common/problem.js';
import { OneKycException } from './onekyc.exception.js';

const DEFAULT_RETRY_AFTER_SECONDS = 5;

export function oneKycProblem(err: OneKycException): ProblemException {
  const retryAfter = err.isTemporary
    ? { 'retry-after': String(Math.max(1, Math.ceil(err.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS))) }
    : undefined;
  if (err.httpStatus === undefined) {
    return ProblemException.of(
      503,
      'The identity provider is not answering right now; try again later.',
      { type: 'provider-unavailable', kind: err.kind },
      retryAfter ?? { 'retry-after': String(DEFAULT_RETRY_AFTER_SECONDS) },
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
    retryAfter,
  );
}

/** Idempotent: registerProblemMapper ignores a second registration for the same type. */
export function registerOneKycProblemMapper(): void {
  registerProblemMapper(OneKycException, oneKycProblem);
}
