// In-memory storage for the partner rate limit (API_RATE_LIMIT_PER_MINUTE), with the semantics of
// @nestjs/throttler's ThrottlerStorageService (a sliding window of hits, then a block of
// `blockDuration`) at O(1) amortized cost per request. The library's storage re-filters every hit
// of the window and spreads them into Math.min on each request: O(hits in the last minute) time
// and garbage, about 0.6 ms and hundreds of KiB per request at 30,000 hits a minute (the benchmark
// found it dominating POST /v1/verifications at a high limit). Hits expire in the order they were
// made (one ttl per key and throttler), so a queue with a moving head is enough.
import { OnApplicationShutdown } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';

interface Window {
  /** Expiry times of the hits, oldest first, from `head`. */
  hits: number[];
  head: number;
  expiresAt: number;
  isBlocked: boolean;
  blockExpiresAt: number;
}

export interface ThrottlerStorageRecord {
  totalHits: number;
  timeToExpire: number;
  isBlocked: boolean;
  timeToBlockExpire: number;
}

const SWEEP_INTERVAL_MS = 60_000;

export class SlidingWindowThrottlerStorage implements ThrottlerStorage, OnApplicationShutdown {
  private readonly windows = new Map<string, Window>();
  private sweepTimer?: NodeJS.Timeout;

  constructor(private readonly now: () => number = Date.now) {}

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    this.ensureSweep();
    const id = `${throttlerName}\u0000${key}`;
    const now = this.now();
    let w = this.windows.get(id);
    if (!w) {
      w = { hits: [], head: 0, expiresAt: now + ttl, isBlocked: false, blockExpiresAt: 0 };
      this.windows.set(id, w);
    }
    this.prune(w, now);
    let timeToExpire = Math.ceil((w.expiresAt - now) / 1000);
    if (timeToExpire <= 0) {
      w.expiresAt = now + ttl;
      timeToExpire = Math.ceil((w.expiresAt - now) / 1000);
    }

    if (blockDuration <= 0) {
      const isBlocked = count(w) >= limit;
      if (!isBlocked) w.hits.push(now + ttl);
      const timeToBlockExpire = count(w) ? Math.ceil((w.hits[w.head] - now) / 1000) : timeToExpire;
      return {
        totalHits: count(w) + (isBlocked ? 1 : 0),
        timeToExpire,
        isBlocked,
        timeToBlockExpire: isBlocked ? timeToBlockExpire : 0,
      };
    }

    if (!w.isBlocked) w.hits.push(now + ttl);
    if (count(w) > limit && !w.isBlocked) {
      w.isBlocked = true;
      w.blockExpiresAt = now + blockDuration;
    }
    const timeToBlockExpire = Math.ceil((w.blockExpiresAt - now) / 1000);
    if (timeToBlockExpire <= 0 && w.isBlocked) {
      w.isBlocked = false;
      w.hits = [now + ttl];
      w.head = 0;
    }
    return { totalHits: count(w), timeToExpire, isBlocked: w.isBlocked, timeToBlockExpire };
  }

  onApplicationShutdown(): void {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    this.windows.clear();
  }

  /** Forgets keys with no live hit and no running block, so idle keys cost no memory. */
  sweep(now = this.now()): void {
    for (const [id, w] of this.windows) {
      if (w.isBlocked && w.blockExpiresAt > now) continue;
      if (w.expiresAt > now) continue;
      this.prune(w, now);
      if (count(w) === 0) this.windows.delete(id);
    }
  }

  private prune(w: Window, now: number): void {
    while (w.head < w.hits.length && w.hits[w.head] <= now) w.head++;
    // Compact once the dead prefix is at least half the array: amortized O(1) per hit.
    if (w.head > 64 && w.head * 2 >= w.hits.length) {
      w.hits = w.hits.slice(w.head);
      w.head = 0;
    }
  }

  private ensureSweep(): void {
    if (this.sweepTimer) return;
    this.sweepTimer = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    this.sweepTimer.unref();
  }
}

function count(w: Window): number {
  return w.hits.length - w.head;
}
