// Unit spec of the retry schedule: what the partner-facing promise (at least three days,
// seconds then minutes then hours) rests on.
import { nextRetryDelaySeconds, RETRY_DELAYS_SECONDS } from './webhook-retry.js';

describe('nextRetryDelaySeconds', () => {
  it('should retry the first failure within seconds, then minutes, then hours', () => {
    expect(nextRetryDelaySeconds(1, 0.5)).toBe(5);
    expect(nextRetryDelaySeconds(3, 0.5)).toBe(120);
    expect(nextRetryDelaySeconds(7, 0.5)).toBe(3 * 3600);
  });

  it('should keep trying for more than 72 hours even with the jitter at its lowest', () => {
    let total = 0;
    for (let n = 1; ; n++) {
      const d = nextRetryDelaySeconds(n, 0);
      if (d === null) break;
      total += d;
    }
    expect(total / 3600).toBeGreaterThan(72);
  });

  it('should stay within ±20 % of the schedule', () => {
    for (let n = 1; n <= RETRY_DELAYS_SECONDS.length; n++) {
      const base = RETRY_DELAYS_SECONDS[n - 1];
      expect(nextRetryDelaySeconds(n, 0)).toBeCloseTo(base * 0.8, 2);
      expect(nextRetryDelaySeconds(n, 0.999999)).toBeLessThanOrEqual(base * 1.2);
    }
  });

  it('should give up after the last scheduled retry', () => {
    expect(nextRetryDelaySeconds(RETRY_DELAYS_SECONDS.length, 0.5)).not.toBeNull();
    expect(nextRetryDelaySeconds(RETRY_DELAYS_SECONDS.length + 1, 0.5)).toBeNull();
    expect(nextRetryDelaySeconds(0, 0.5)).toBeNull();
  });
});
