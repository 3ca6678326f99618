// Partner webhooks: when a failed delivery is tried again. Pure: the schedule, the jitter and
// the give-up point, so the delivery service only records what this decides.

/**
 * Seconds to wait after the nth failed attempt (n = 1 is the first delivery). Seconds first (a
 * blip), then minutes, then hours: 12 retries, 13 attempts over about 95 hours (at least 76 h
 * with the jitter at its lowest), so a receiver down for three days still gets every event.
 */
export const RETRY_DELAYS_SECONDS: readonly number[] = [
  5,
  30,
  120,
  600,
  1800,
  3600,
  3 * 3600,
  6 * 3600,
  12 * 3600,
  24 * 3600,
  24 * 3600,
  24 * 3600,
];

/** ±20 %: many deliveries failing together (a receiver outage) do not come back together. */
export const RETRY_JITTER = 0.2;

/** An endpoint with no successful delivery for this long is disabled (failing_since). */
export const DISABLE_AFTER_FAILING_DAYS = 5;

/**
 * The delay before the next attempt after attempt `attempt` (1-based, counted since the last
 * manual retry or replay) failed, or null when that was the last attempt.
 * `random` is in [0, 1).
 */
export function nextRetryDelaySeconds(attempt: number, random: number = Math.random()): number | null {
  const base = RETRY_DELAYS_SECONDS[attempt - 1];
  if (base === undefined || attempt < 1) return null;
  const factor = 1 - RETRY_JITTER + 2 * RETRY_JITTER * random;
  return Math.round(base * factor * 1000) / 1000;
}
