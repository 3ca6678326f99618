// Retry delays for provider calls: capped exponential backoff with "full jitter" (AWS
// architecture blog), so many instances retrying after one outage do not hit the provider in
// step. A provider `Retry-After` (on 429) wins when present, within the same cap.
import { DelegateBackoff, IBackoffFactory, IRetryBackoffContext } from 'cockatiel';
import { OneKycException } from './onekyc.exception.js';

export interface BackoffOptions {
  /** Delay ceiling before jitter for the first retry (ms). */
  baseMs: number;
  /** No delay is ever longer than this (ms). */
  maxMs: number;
}

/** Delay before retry number `attempt` (1-based): uniform in [0, min(maxMs, baseMs * 2^(attempt-1))]. */
export function jitteredBackoffDelay(
  attempt: number,
  opts: BackoffOptions,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(random() * ceiling);
}

/** The delay for one retry, honouring the provider's Retry-After (capped at `maxMs`). */
export function retryDelay(
  attempt: number,
  error: unknown,
  opts: BackoffOptions,
  random: () => number = Math.random,
): number {
  if (error instanceof OneKycException && error.retryAfterSeconds !== undefined) {
    return Math.min(opts.maxMs, error.retryAfterSeconds * 1000);
  }
  return jitteredBackoffDelay(attempt, opts, random);
}

/** The same policy as a cockatiel backoff factory (for `retry(..., { backoff })`). */
export function providerBackoff(opts: BackoffOptions): IBackoffFactory<IRetryBackoffContext<unknown>> {
  return new DelegateBackoff<IRetryBackoffContext<unknown>>((ctx) =>
    retryDelay(ctx.attempt, 'error' in ctx.result ? ctx.result.error : undefined, opts),
  );
}
