import { jitteredBackoffDelay, retryDelay } from './backoff.js';
import { OneKycErrorKind, OneKycException } from './onekyc.exception.js';

describe('provider retry backoff', () => {
  const opts = { baseMs: 200, maxMs: 2000 };

  it('should grow the ceiling exponentially and cap it', () => {
    const top = () => 0.999999;
    expect(jitteredBackoffDelay(1, opts, top)).toBe(200);
    expect(jitteredBackoffDelay(2, opts, top)).toBe(400);
    expect(jitteredBackoffDelay(3, opts, top)).toBe(800);
    expect(jitteredBackoffDelay(4, opts, top)).toBe(1600);
    expect(jitteredBackoffDelay(5, opts, top)).toBe(2000);
    expect(jitteredBackoffDelay(50, opts, top)).toBe(2000);
  });

  it('should spread delays over [0, ceiling] (full jitter)', () => {
    const delays = Array.from({ length: 500 }, () => jitteredBackoffDelay(3, opts));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...delays)).toBeLessThanOrEqual(800);
    expect(new Set(delays).size).toBeGreaterThan(100);
    expect(jitteredBackoffDelay(3, opts, () => 0)).toBe(0);
  });

  it("should honour the provider's Retry-After, within the cap", () => {
    const throttled = (s: number) =>
      new OneKycException({
        kind: OneKycErrorKind.TEMPORARY_THROTTLED,
        operation: 'token',
        message: 'x',
        retryAfterSeconds: s,
      });
    expect(retryDelay(1, throttled(1), opts, () => 0)).toBe(1000);
    expect(retryDelay(1, throttled(30), opts, () => 0)).toBe(2000);
    expect(retryDelay(2, new Error('other'), opts, () => 0.5)).toBe(200);
  });
});
