import { RateLimiter, RateLimiterOptions, RateLimitWaitExceededError } from './rate-limiter.js';

describe('RateLimiter (sliding one-second window)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const make = (maxPerSecond: number, extra: Partial<RateLimiterOptions> = {}) =>
    new RateLimiter({ maxPerSecond, windowMs: 1000, now: () => Date.now(), ...extra });

  /** Starts `n` acquisitions and records when each one was granted. */
  function acquireMany(
    limiter: RateLimiter,
    n: number,
    priority: 'foreground' | 'background' = 'foreground',
  ) {
    const grantedAt: number[] = [];
    const errors: unknown[] = [];
    for (let i = 0; i < n; i++) {
      limiter.acquire(priority).then(
        () => grantedAt.push(Date.now()),
        (e) => errors.push(e),
      );
    }
    return { grantedAt, errors };
  }

  /** The largest number of grants in any window [t, t + 1000). */
  function maxInAnyWindow(times: number[]): number {
    const sorted = [...times].sort((a, b) => a - b);
    let best = 0;
    for (let i = 0, j = 0; i < sorted.length; i++) {
      while (sorted[i] - sorted[j] >= 1000) j++;
      best = Math.max(best, i - j + 1);
    }
    return best;
  }

  it('should grant up to the budget at once and make the rest wait for the window to roll', async () => {
    const limiter = make(5, { maxWaitMs: 60_000 });
    const { grantedAt } = acquireMany(limiter, 12);
    await vi.advanceTimersByTimeAsync(0);
    expect(grantedAt).toHaveLength(5);
    await vi.advanceTimersByTimeAsync(999);
    expect(grantedAt).toHaveLength(5);
    await vi.advanceTimersByTimeAsync(1);
    expect(grantedAt).toHaveLength(10);
    await vi.advanceTimersByTimeAsync(1000);
    expect(grantedAt).toHaveLength(12);
  });

  it('should never start more than the budget in any rolling second, whatever the arrival pattern', async () => {
    const limiter = make(7, { maxWaitMs: 60_000 });
    const times: number[] = [];
    let requested = 0;
    for (let burst = 0; burst < 20; burst++) {
      const n = 1 + ((burst * 5) % 9);
      requested += n;
      for (let i = 0; i < n; i++) void limiter.acquire().then(() => times.push(Date.now()));
      await vi.advanceTimersByTimeAsync(137 * (burst % 4));
    }
    await vi.advanceTimersByTimeAsync(60_000);
    expect(times).toHaveLength(requested);
    expect(maxInAnyWindow(times)).toBe(7);
  });

  it('should keep headroom while partners are active: background calls use at most their share', async () => {
    const limiter = make(10, { maxWaitMs: 60_000, backgroundShare: 0.7 });
    await limiter.acquire('foreground');
    const bg = acquireMany(limiter, 20, 'background');
    await vi.advanceTimersByTimeAsync(0);
    expect(bg.grantedAt).toHaveLength(6);
    const fg = acquireMany(limiter, 3, 'foreground');
    await vi.advanceTimersByTimeAsync(0);
    expect(fg.grantedAt).toHaveLength(3);
    expect(limiter.inWindow()).toBe(10);
  });

  it('should let background work use the whole budget when no partner call was seen recently', async () => {
    const limiter = make(10, { maxWaitMs: 60_000, backgroundShare: 0.7, foregroundQuietMs: 5000 });
    const bg = acquireMany(limiter, 30, 'background');
    await vi.advanceTimersByTimeAsync(0);
    expect(bg.grantedAt).toHaveLength(10);
    await vi.advanceTimersByTimeAsync(1100);
    expect(bg.grantedAt).toHaveLength(20);
    expect(maxInAnyWindow(bg.grantedAt)).toBe(10);
  });

  it('should not count a foreground call made without partner activity (the token fetch) as partners being active', async () => {
    const opts = { maxWaitMs: 60_000, backgroundShare: 0.7, foregroundQuietMs: 5000 };
    const quiet = make(10, opts);
    await quiet.acquire('foreground', { partnerActivity: false });
    const bg = acquireMany(quiet, 30, 'background');
    const active = make(10, opts);
    await active.acquire('foreground');
    const bgActive = acquireMany(active, 30, 'background');
    await vi.advanceTimersByTimeAsync(0);
    // The whole rest of the budget, not the 70% share a partner call leaves.
    expect(bg.grantedAt).toHaveLength(9);
    expect(bgActive.grantedAt).toHaveLength(6);
    quiet.close();
    active.close();
  });

  it('should serve waiting foreground calls before waiting background calls', async () => {
    const limiter = make(2, { maxWaitMs: 60_000, backgroundShare: 1 });
    const order: string[] = [];
    const take = (p: 'foreground' | 'background', name: string) =>
      limiter.acquire(p).then(() => order.push(name));
    void take('foreground', 'f0');
    void take('foreground', 'f1');
    void take('background', 'b1');
    void take('background', 'b2');
    void take('foreground', 'f2');
    await vi.advanceTimersByTimeAsync(0);
    expect(order).toEqual(['f0', 'f1']);
    await vi.advanceTimersByTimeAsync(1000);
    expect(order).toEqual(['f0', 'f1', 'f2', 'b1']);
    await vi.advanceTimersByTimeAsync(1000);
    expect(order).toEqual(['f0', 'f1', 'f2', 'b1', 'b2']);
  });

  it('should reject a caller that waited longer than the bound, and still serve the others', async () => {
    const limiter = make(1, { maxWaitMs: 1500 });
    const { grantedAt, errors } = acquireMany(limiter, 4);
    await vi.advanceTimersByTimeAsync(1499);
    expect(grantedAt).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toBeInstanceOf(RateLimitWaitExceededError);
    expect(limiter.waitingCount()).toBe(0);
  });

  it('should let a background call through once the foreground waiter ahead of it gives up', async () => {
    const limiter = make(1, { maxWaitMs: 800, backgroundShare: 1 });
    await limiter.acquire('foreground');
    const fg = limiter.acquire('foreground').then(
      () => 'granted',
      () => `rejected at ${Date.now() - 1_000_000}`,
    );
    await vi.advanceTimersByTimeAsync(500);
    const bg = limiter.acquire('background').then(() => `granted at ${Date.now() - 1_000_000}`);
    await vi.advanceTimersByTimeAsync(600);
    expect(await fg).toBe('rejected at 800');
    expect(await bg).toBe('granted at 1000');
  });

  it('should reject everyone waiting on close', async () => {
    const limiter = make(1, { maxWaitMs: 60_000 });
    await limiter.acquire();
    const waiting = limiter.acquire().catch((e) => e);
    limiter.close();
    expect(await waiting).toBeInstanceOf(RateLimitWaitExceededError);
  });
});
