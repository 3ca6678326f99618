// One provider budget for the whole cluster. `ONEKYC_MAX_RPS` is the partner's limit at the
// provider, so every instance on the same database draws its calls from one count per wall-clock
// second kept in PostgreSQL (the provider counts arrivals per second). An instance takes slots in
// small chunks (one statement per chunk, a chunk is 1/50 of the budget, at least 1), so the count
// costs at most 50 statements per second however many instances run. Partner traffic stays
// ahead of reconciliation across instances: while any instance made a partner call in the last
// `quietSeconds`, background grants stop at `backgroundShare` of the second. A second with no
// slot left waits for the next one, bounded by `maxWaitMs`.
//
// This gate runs after the per-instance RateLimiter (rate-limiter.ts), which still orders this
// instance's waiters (partner calls first) and keeps a rolling window; the cluster count is what
// keeps N instances from sending N times the budget.
import type { CallPriority } from './onekyc.types.js';
import { RateLimitWaitExceededError } from './rate-limiter.js';

/**
 * No call starts in the last 100 ms of a second. A slot is taken from the count of the second the
 * call starts in, but the provider counts the second it arrives in; between the two lie the
 * breaker, the connection pool and, on a busy host, event-loop lag (a full test run on two cores
 * showed calls started in the last 25 ms landing in the next second: 24 calls in a second for a
 * budget of 20). The guard costs no throughput: the second's whole count still fits in 900 ms.
 */
export const CLUSTER_TRANSIT_GUARD_MS = 100;

export interface BudgetGrantRequest {
  /** Unix second the slots are for. */
  second: number;
  want: number;
  foreground: boolean;
  /** Counts as partner activity (a partner call, not the token fetch). */
  partnerActivity: boolean;
  limit: number;
  backgroundLimit: number;
  quietSeconds: number;
}

/** The shared count (PostgreSQL in the service, a map in unit tests). Returns the slots granted. */
export interface BudgetGrantStore {
  grant(req: BudgetGrantRequest): Promise<number>;
  /** Forgets seconds older than `before` (housekeeping). */
  prune(before: number): Promise<void>;
}

export interface ClusterBudgetOptions {
  maxPerSecond: number;
  backgroundShare?: number;
  quietSeconds?: number;
  maxWaitMs?: number;
  /** Wall clock in ms (injectable for tests). */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

interface Pool {
  second: number;
  left: number;
  /** The cluster said no slot is left in `second`. */
  exhausted: boolean;
  /** The statement in flight for this pool, shared by every caller that found it empty. */
  refill?: Promise<void>;
}

const PRUNE_EVERY_SECONDS = 60;

export class ClusterBudget {
  readonly maxPerSecond: number;
  readonly backgroundLimit: number;
  readonly chunk: number;
  private readonly quietSeconds: number;
  private readonly maxWaitMs: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly pools: Record<CallPriority, Pool> = {
    foreground: { second: -1, left: 0, exhausted: false },
    background: { second: -1, left: 0, exhausted: false },
  };
  private lastPruneSecond = 0;

  constructor(
    private readonly store: BudgetGrantStore,
    opts: ClusterBudgetOptions,
  ) {
    this.maxPerSecond = Math.floor(opts.maxPerSecond);
    this.backgroundLimit = Math.max(1, Math.floor(this.maxPerSecond * (opts.backgroundShare ?? 0.7)));
    this.chunk = Math.max(1, Math.floor(this.maxPerSecond / 50));
    this.quietSeconds = opts.quietSeconds ?? 5;
    this.maxWaitMs = opts.maxWaitMs ?? 5000;
    this.now = opts.now ?? Date.now;
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** Resolves when a call may start in the current second; rejects past `maxWaitMs`. */
  async take(priority: CallPriority, opts: { partnerActivity?: boolean } = {}): Promise<void> {
    const partnerActivity = priority === 'foreground' && opts.partnerActivity !== false;
    const started = this.now();
    const pool = this.pools[priority];
    for (;;) {
      // No call starts in the last few ms of a second: it could arrive in the next one, whose
      // count it was not taken from.
      const now = this.now();
      const intoSecond = now % 1000;
      if (intoSecond >= 1000 - CLUSTER_TRANSIT_GUARD_MS) {
        await this.sleep(1000 - intoSecond);
        continue;
      }
      const second = Math.floor(now / 1000);
      if (pool.second !== second) {
        pool.second = second;
        pool.left = 0;
        pool.exhausted = false;
        pool.refill = undefined;
      }
      if (pool.left > 0) {
        pool.left--;
        return;
      }
      if (!pool.exhausted) {
        pool.refill ??= this.refill(pool, second, priority, partnerActivity);
        await pool.refill;
        continue;
      }
      // The cluster has no slot left in this second: wait for the next one.
      const nextSecondAt = (second + 1) * 1000;
      if (nextSecondAt - started > this.maxWaitMs) throw new RateLimitWaitExceededError(this.maxWaitMs);
      await this.sleep(Math.max(1, nextSecondAt - this.now() + Math.floor(Math.random() * 10)));
    }
  }

  private async refill(pool: Pool, second: number, priority: CallPriority, partnerActivity: boolean) {
    let granted = 0;
    try {
      granted = await this.store.grant({
        second,
        want: this.chunk,
        foreground: priority === 'foreground',
        partnerActivity,
        limit: this.maxPerSecond,
        backgroundLimit: this.backgroundLimit,
        quietSeconds: this.quietSeconds,
      });
    } finally {
      if (pool.second === second) {
        pool.refill = undefined;
        pool.left += granted;
        pool.exhausted = granted === 0;
      }
    }
    if (second - this.lastPruneSecond >= PRUNE_EVERY_SECONDS) {
      this.lastPruneSecond = second;
      void this.store.prune(second - PRUNE_EVERY_SECONDS).catch(() => undefined);
    }
  }
}
