// The partner token (the provider's token endpoint), cached in memory and shared by every provider call.
// - Single-flight: however many callers need a token at once, one fetch is in flight.
// - Refreshed ahead of expiry by a timer while the current token is still valid, so no request
//   waits on a refresh it could have avoided; a caller that finds the token due also kicks the
//   refresh off in the background and goes on with the current one.
// - After a 401 the client asks for one forced refresh (`refreshAfterUnauthorized`); concurrent
//   401s for the same stale token share that one fetch.
// The client owns one cache and hands it the HTTP call that mints a token
// (OneKycClient.fetchPartnerToken) when it builds it: a plain object, not a provider of its own.
// The token, the pass key and the client id never reach a log line.
import { Logger } from '@nestjs/common';
import type { Counter } from 'prom-client';
import { OneKycException } from './onekyc.exception.js';
import type { PartnerToken } from './onekyc.types.js';

export type PartnerTokenFetcher = () => Promise<PartnerToken>;

/** Retry a failed background refresh after this long (bounded by the time the token has left). */
const BACKGROUND_RETRY_MS = 30_000;
/** setTimeout fires at once beyond 2^31-1 ms; longer waits are split. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** When to start refreshing: `margin` before expiry, but never earlier than half-way through its life. */
export function refreshDueAt(token: PartnerToken, marginMs: number): number {
  const lifetime = Math.max(0, token.expiresAtMs - token.fetchedAtMs);
  return token.expiresAtMs - Math.min(marginMs, lifetime / 2);
}

/** Last moment we hand the token out: a little before expiry, so it does not lapse in flight. */
export function usableUntil(token: PartnerToken): number {
  const lifetime = Math.max(0, token.expiresAtMs - token.fetchedAtMs);
  return token.expiresAtMs - Math.min(2000, lifetime / 10);
}

export interface PartnerTokenCacheOptions {
  /** The HTTP call that mints a token. */
  fetch: PartnerTokenFetcher;
  /** Refresh this long before expiry (at most half the token's life). */
  refreshMarginMs: number;
  /** Counts fetches by outcome: `success` or the error kind. */
  fetches: Counter<string>;
}

export class PartnerTokenCache {
  private readonly logger = new Logger(PartnerTokenCache.name);
  private readonly fetcher: PartnerTokenFetcher;
  private readonly marginMs: number;
  private readonly fetches: Counter<string>;
  private current?: PartnerToken;
  private inflight?: Promise<PartnerToken>;
  private timer?: NodeJS.Timeout;
  private closed = false;

  constructor(options: PartnerTokenCacheOptions) {
    this.fetcher = options.fetch;
    this.marginMs = options.refreshMarginMs;
    this.fetches = options.fetches;
  }

  /** A token the provider should accept: the cached one, or one fetched now (single-flight). */
  async getToken(): Promise<string> {
    const t = this.current;
    const now = Date.now();
    if (t && now < usableUntil(t)) {
      if (now >= refreshDueAt(t, this.marginMs)) this.refreshInBackground();
      return t.token;
    }
    return (await this.refresh()).token;
  }

  /**
   * The provider refused `stale` (401): one forced fetch, shared by every caller that saw the same
   * refusal. A caller whose stale token was already replaced gets the replacement without a fetch.
   */
  async refreshAfterUnauthorized(stale: string): Promise<string> {
    const t = this.current;
    if (t && t.token !== stale && Date.now() < usableUntil(t)) return t.token;
    if (t?.token === stale) this.current = undefined; // never hand out a token the provider refused
    return (await this.refresh()).token;
  }

  /** Stops the refresh timer (the client's shutdown). */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private refresh(): Promise<PartnerToken> {
    if (!this.inflight) {
      const p = this.fetchAndStore();
      this.inflight = p;
      const clear = () => {
        if (this.inflight === p) this.inflight = undefined;
      };
      p.then(clear, clear);
    }
    return this.inflight;
  }

  private refreshInBackground(): void {
    this.refresh().catch(() => undefined); // counted and logged in fetchAndStore
  }

  private async fetchAndStore(): Promise<PartnerToken> {
    try {
      const token = await this.fetcher();
      this.current = token;
      this.fetches.inc({ outcome: 'success' });
      this.arm(refreshDueAt(token, this.marginMs));
      return token;
    } catch (err) {
      const kind = err instanceof OneKycException ? err.kind : 'UNKNOWN';
      this.fetches.inc({ outcome: kind });
      this.logger.warn(
        { err: err instanceof OneKycException ? err.toLog() : { name: (err as Error)?.name } },
        'partner token fetch failed',
      );
      // Still holding a valid token: try again in the background before it lapses.
      const t = this.current;
      if (t && Date.now() < usableUntil(t)) {
        this.arm(
          Date.now() + Math.max(1000, Math.min(BACKGROUND_RETRY_MS, (usableUntil(t) - Date.now()) / 3)),
        );
      }
      throw err;
    }
  }

  private arm(at: number): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        if (Date.now() < at)
          this.arm(at); // a very long wait was split (timer limit)
        else this.refreshInBackground();
      },
      Math.min(MAX_TIMER_MS, Math.max(0, at - Date.now())),
    );
    this.timer.unref(); // an idle process may exit; the next call fetches on demand
  }
}
