// Unit tests with a fake fetcher (no HTTP): caching, single-flight, refresh timing, 401 handling.
// The same behaviour against the real sandbox is in test/onekyc/partner-token.intg-spec.ts.
import { Logger } from '@nestjs/common';
import { Registry } from 'prom-client';
import { OneKycErrorKind, OneKycException } from './onekyc.exception.js';
import { OneKycMetrics } from './onekyc.metrics.js';
import type { PartnerToken } from './onekyc.types.js';
import { PartnerTokenCache, refreshDueAt, usableUntil } from './partner-token.cache.js';

describe('PartnerTokenCache', () => {
  beforeAll(() => Logger.overrideLogger(false));
  let registry: Registry;
  let fetches: number;
  let lifetimeMs: number;
  let service: PartnerTokenCache;
  let failNext: OneKycException | undefined;
  let release: (() => void) | undefined;
  let gate: Promise<void> | undefined;

  const fetcher = async (): Promise<PartnerToken> => {
    fetches++;
    const n = fetches;
    if (gate) await gate;
    if (failNext) {
      const e = failNext;
      failNext = undefined;
      throw e;
    }
    const now = Date.now();
    return { token: `t${n}`, fetchedAtMs: now, expiresAtMs: now + lifetimeMs };
  };

  beforeEach(() => {
    vi.useFakeTimers({ now: 1_700_000_000_000 });
    registry = new Registry();
    fetches = 0;
    lifetimeMs = 1800_000;
    failNext = undefined;
    gate = undefined;
    service = new PartnerTokenCache({
      fetch: fetcher,
      refreshMarginMs: 300_000,
      fetches: OneKycMetrics.create(registry).tokenFetches,
    });
  });
  afterEach(() => {
    service.close();
    vi.useRealTimers();
  });

  const counted = async (outcome: string) =>
    (await registry.getSingleMetric('onekyc_token_fetches_total')!.get()).values.find(
      (v) => v.labels.outcome === outcome,
    )?.value ?? 0;

  it('should fetch once and reuse the token', async () => {
    expect(await service.getToken()).toBe('t1');
    expect(await service.getToken()).toBe('t1');
    expect(fetches).toBe(1);
    expect(await counted('success')).toBe(1);
  });

  it('should share one fetch among many concurrent callers', async () => {
    gate = new Promise((r) => (release = r));
    const all = Promise.all(Array.from({ length: 500 }, () => service.getToken()));
    release!();
    expect(new Set(await all)).toEqual(new Set(['t1']));
    expect(fetches).toBe(1);
  });

  it('should refresh in the background margin seconds before expiry, without making callers wait', async () => {
    await service.getToken();
    await vi.advanceTimersByTimeAsync(1800_000 - 300_000 - 1);
    expect(fetches).toBe(1);
    gate = new Promise((r) => (release = r));
    await vi.advanceTimersByTimeAsync(1);
    expect(fetches).toBe(2);
    // The refresh is still in flight: callers keep getting the valid token at once.
    expect(await service.getToken()).toBe('t1');
    release!();
    await vi.advanceTimersByTimeAsync(0);
    expect(await service.getToken()).toBe('t2');
    expect(fetches).toBe(2);
  });

  it('should refresh short-lived tokens half-way through their life, not in a loop', async () => {
    lifetimeMs = 10_000;
    await service.getToken();
    await vi.advanceTimersByTimeAsync(4_999);
    expect(fetches).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(fetches).toBe(2);
    await vi.advanceTimersByTimeAsync(4_000);
    expect(fetches).toBe(2);
  });

  it('should not refresh early when a token lives longer than a timer can wait', async () => {
    lifetimeMs = 365 * 24 * 3600_000;
    await service.getToken();
    await vi.advanceTimersByTimeAsync(30 * 24 * 3600_000);
    expect(fetches).toBe(1);
  });

  it('should fetch on demand once the token has lapsed', async () => {
    await service.getToken();
    service.close(); // no timer: simulate a process that slept through the refresh
    vi.setSystemTime(Date.now() + 1800_000);
    expect(await service.getToken()).toBe('t2');
  });

  it('should share one forced refresh among callers refused with the same stale token', async () => {
    const stale = await service.getToken();
    gate = new Promise((r) => (release = r));
    const all = Promise.all(Array.from({ length: 50 }, () => service.refreshAfterUnauthorized(stale)));
    release!();
    expect(new Set(await all)).toEqual(new Set(['t2']));
    expect(fetches).toBe(2);
    // A late 401 for the old token gets the replacement without another fetch.
    expect(await service.refreshAfterUnauthorized(stale)).toBe('t2');
    expect(fetches).toBe(2);
  });

  it('should count typed failures and keep using a still-valid token when a background refresh fails', async () => {
    await service.getToken();
    failNext = new OneKycException({
      kind: OneKycErrorKind.TEMPORARY_SERVER_ERROR,
      operation: 'token',
      message: 'down',
    });
    await vi.advanceTimersByTimeAsync(1500_000);
    expect(fetches).toBe(2);
    expect(await counted('TEMPORARY_SERVER_ERROR')).toBe(1);
    expect(await service.getToken()).toBe('t1');
    // It tries again before the token lapses.
    await vi.advanceTimersByTimeAsync(30_000);
    expect(fetches).toBe(3);
    expect(await service.getToken()).toBe('t3');
  });

  it('should surface a permanent failure (bad credentials) to the caller', async () => {
    failNext = new OneKycException({ kind: OneKycErrorKind.UNAUTHORIZED, operation: 'token', message: 'no' });
    await expect(service.getToken()).rejects.toMatchObject({ kind: OneKycErrorKind.UNAUTHORIZED });
    expect(await counted('UNAUTHORIZED')).toBe(1);
  });

  it('should compute refresh and usability bounds from the token lifetime', () => {
    const t = { token: 'x', fetchedAtMs: 0, expiresAtMs: 1800_000 };
    expect(refreshDueAt(t, 300_000)).toBe(1500_000);
    expect(usableUntil(t)).toBe(1798_000);
    const short = { token: 'x', fetchedAtMs: 0, expiresAtMs: 4_000 };
    expect(refreshDueAt(short, 300_000)).toBe(2_000);
    expect(usableUntil(short)).toBe(3_600);
  });
});
