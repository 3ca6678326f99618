// Per-instance budget of provider calls: at most `maxPerSecond` calls start in ANY rolling
// one-second window. A sliding-window log rather than a token bucket because the provider counts
// requests per second: a bucket holding a full second of burst can emit up to twice the budget
// across one window boundary, which is exactly what `ONEKYC_MAX_RPS` must never allow. cockatiel
// has no rate limiter and the well-known packages either model buckets or add Redis, so this is
// ~100 lines of our own, unit-tested in rate-limiter.spec.ts.
//
// Priorities: while partners are active (a foreground call within `foregroundQuietMs`),
// `background` calls (reconciliation) may only fill `backgroundShare` of the window, so
// `foreground` calls (partner initiations) always find headroom; when no partner call has been
// seen for that long, background work may use the whole budget (a backlog drains at the full
// allowed rate). Foreground waiters are always served before background ones. Waiting is bounded: past `maxWaitMs` the caller gets a
// RateLimitWaitExceededError (the client turns it into TEMPORARY_RATE_LIMITED).
import type { CallPriority } from './onekyc.types.js';

export interface RateLimiterOptions {
  maxPerSecond: number;
  /** Fraction of the window background calls may use (default 0.7). */
  backgroundShare?: number;
  /** Background keeps to its share for this long after the last foreground call (default 5000 ms). */
  foregroundQuietMs?: number;
  /** Longest a caller waits for a slot (default 5000 ms). */
  maxWaitMs?: number;
  /** Window length (default 1000 ms plus TRANSIT_GUARD_MS). */
  windowMs?: number;
  /** Monotonic clock in ms (injectable for tests). */
  now?: () => number;
}

/**
 * The provider counts arrivals, not our sends: a call held up in transit can land in the same
 * provider second as the call that follows it a window later. A few ms of guard keep that from
 * ever showing as one call too many, for about 2% of the budget.
 */
export const TRANSIT_GUARD_MS = 25;

export class RateLimitWaitExceededError extends Error {
  constructor(readonly waitedMs: number) {
    super(`no provider call slot within ${waitedMs} ms`);
    this.name = 'RateLimitWaitExceededError';
  }
}

interface Waiter {
  priority: CallPriority;
  resolve: () => void;
  reject: (err: Error) => void;
  deadline: NodeJS.Timeout;
}

export class RateLimiter {
  readonly maxPerSecond: number;
  readonly backgroundLimit: number;
  private readonly maxWaitMs: number;
  private readonly windowMs: number;
  private readonly foregroundQuietMs: number;
  private lastForegroundAt = -Infinity;
  private readonly now: () => number;
  /** Start times of the calls granted in the current window, oldest first, from `head`. */
  private starts: number[] = [];
  private head = 0;
  private readonly waiting: Record<CallPriority, Waiter[]> = { foreground: [], background: [] };
  private wakeTimer?: NodeJS.Timeout;
  private wakeAt = Infinity;

  constructor(opts: RateLimiterOptions) {
    if (!(opts.maxPerSecond >= 1)) throw new RangeError('maxPerSecond must be at least 1');
    this.maxPerSecond = Math.floor(opts.maxPerSecond);
    const share = opts.backgroundShare ?? 0.7;
    this.backgroundLimit = Math.max(1, Math.floor(this.maxPerSecond * share));
    this.maxWaitMs = opts.maxWaitMs ?? 5000;
    this.foregroundQuietMs = opts.foregroundQuietMs ?? 5000;
    this.windowMs = opts.windowMs ?? 1000 + TRANSIT_GUARD_MS;
    this.now = opts.now ?? (() => performance.now());
  }

  /**
   * Resolves when the call may start; rejects with RateLimitWaitExceededError past the wait bound.
   * `partnerActivity: false` serves a foreground call without counting it as a partner being
   * active (the partner-token fetch, which background work triggers too).
   */
  acquire(priority: CallPriority = 'foreground', opts: { partnerActivity?: boolean } = {}): Promise<void> {
    if (priority === 'foreground' && opts.partnerActivity !== false) this.lastForegroundAt = this.now();
    const queueAhead =
      priority === 'foreground'
        ? this.waiting.foreground.length
        : this.waiting.foreground.length + this.waiting.background.length;
    if (queueAhead === 0 && this.tryTake(priority)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        priority,
        resolve,
        reject,
        deadline: setTimeout(() => {
          const q = this.waiting[priority];
          const i = q.indexOf(waiter);
          if (i >= 0) q.splice(i, 1);
          reject(new RateLimitWaitExceededError(this.maxWaitMs));
          this.schedule();
        }, this.maxWaitMs),
      };
      this.waiting[priority].push(waiter);
      this.schedule();
    });
  }

  /** Calls started in the current window (for metrics and tests). */
  inWindow(): number {
    this.prune(this.now());
    return this.starts.length - this.head;
  }

  waitingCount(): number {
    return this.waiting.foreground.length + this.waiting.background.length;
  }

  /** Rejects every waiter (shutdown). */
  close(): void {
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wakeTimer = undefined;
    for (const q of [this.waiting.foreground, this.waiting.background]) {
      for (const w of q.splice(0)) {
        clearTimeout(w.deadline);
        w.reject(new RateLimitWaitExceededError(0));
      }
    }
  }

  private limitFor(priority: CallPriority): number {
    if (priority === 'foreground') return this.maxPerSecond;
    const partnersActive = this.now() - this.lastForegroundAt < this.foregroundQuietMs;
    return partnersActive ? this.backgroundLimit : this.maxPerSecond;
  }

  private tryTake(priority: CallPriority): boolean {
    const now = this.now();
    this.prune(now);
    if (this.starts.length - this.head >= this.limitFor(priority)) return false;
    this.starts.push(now);
    return true;
  }

  private prune(now: number): void {
    while (this.head < this.starts.length && this.starts[this.head] <= now - this.windowMs) this.head++;
    if (this.head > 1024 && this.head * 2 > this.starts.length) {
      this.starts = this.starts.slice(this.head);
      this.head = 0;
    }
  }

  /** Grants what fits now, then arms one timer for when the next slot frees up. */
  private schedule(): void {
    for (const priority of ['foreground', 'background'] as const) {
      const q = this.waiting[priority];
      while (q.length > 0 && this.tryTake(priority)) {
        const w = q.shift()!;
        clearTimeout(w.deadline);
        w.resolve();
      }
      if (q.length > 0) break; // foreground still waiting: background must not overtake it
    }
    const next = this.nextFreeAt();
    if (next === undefined) {
      if (this.wakeTimer) clearTimeout(this.wakeTimer);
      this.wakeTimer = undefined;
      this.wakeAt = Infinity;
      return;
    }
    if (this.wakeTimer && this.wakeAt <= next) return;
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wakeAt = next;
    this.wakeTimer = setTimeout(
      () => {
        this.wakeTimer = undefined;
        this.wakeAt = Infinity;
        this.schedule();
      },
      Math.max(1, Math.ceil(next - this.now())),
    );
  }

  /** When the head waiter could start: the moment enough old starts leave the window. */
  private nextFreeAt(): number | undefined {
    const priority: CallPriority | undefined = this.waiting.foreground.length
      ? 'foreground'
      : this.waiting.background.length
        ? 'background'
        : undefined;
    if (!priority) return undefined;
    const count = this.starts.length - this.head;
    const mustLeave = count - this.limitFor(priority); // starts that must age out first, minus one
    if (mustLeave < 0) return this.now();
    return this.starts[this.head + mustLeave] + this.windowMs;
  }
}
