// When reconciliation asks the provider again about a pending submission. Pure.
//
// A submission is first due RECONCILE_AFTER_SECONDS after its last change (the store sets
// next_poll_at so at initiation). While the provider still has nothing (the user has not finished
// capture) or fails, the interval doubles from there, capped, with a little downward jitter so
// rows created together drift apart instead of being polled in step for days. The count that
// drives the exponent is the number of polls since the row's last change, so progress (e.g.
// IN_PROGRESS seen) starts the schedule over.

export interface PollScheduleOptions {
  /** RECONCILE_AFTER_SECONDS: the delay after a change, and the base of the doubling. */
  afterSeconds: number;
  /** No interval is shorter than this, whatever RECONCILE_AFTER_SECONDS says (0 in tests). */
  minIntervalSeconds: number;
  /** No interval is longer than this. */
  capSeconds: number;
  /** Each interval is shortened by up to this fraction (0.1 = up to 10 %), never lengthened. */
  jitter: number;
}

export const POLL_SCHEDULE_DEFAULTS: Omit<PollScheduleOptions, 'afterSeconds'> = {
  minIntervalSeconds: 30,
  capSeconds: 3600,
  jitter: 0.1,
};

/**
 * Seconds until the next poll. `pollsSinceChange`: polls made since the row last changed,
 * counting the one just made (0 when that poll itself changed the row).
 * Sequence for base B: B (after a change), then B, 2B, 4B, ... up to the cap, each minus jitter.
 * Jitter at most 10 % keeps every interval longer than the one before until the cap.
 */
export function nextPollDelaySeconds(
  pollsSinceChange: number,
  opts: PollScheduleOptions,
  random: () => number = Math.random,
): number {
  const base = Math.max(opts.afterSeconds, opts.minIntervalSeconds);
  const exponent = Math.min(Math.max(0, pollsSinceChange - 1), 40);
  const raw = Math.min(opts.capSeconds, base * 2 ** exponent);
  const jitter = Math.min(Math.max(opts.jitter, 0), 0.5);
  return Math.max(1, raw * (1 - jitter * random()));
}

/**
 * A call we never sent (our own rate limit had no slot, or the circuit breaker is open): try
 * again soon, without counting a poll. Spread over a few seconds so the retries do not bunch.
 */
export function deferredPollDelaySeconds(
  retryAfterSeconds: number | undefined,
  random: () => number = Math.random,
): number {
  return Math.max(1, retryAfterSeconds ?? 1) + 4 * random();
}
