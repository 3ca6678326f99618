// HTTP for the load: every call has a client-side deadline and never throws (a refused
// connection, a reset or a deadline becomes `status: 0` with the error), so a scenario counts
// outcomes instead of dying on the first one. Plus a bounded-concurrency runner and percentiles.
import { setTimeout as sleep } from 'node:timers/promises';

export interface Answer {
  status: number;
  ms: number;
  body: string;
  headers: Headers;
  /** Set when no HTTP answer came: ECONNREFUSED, ECONNRESET, TIMEOUT, ... */
  error?: string;
  startedAt: number;
}

export async function send(
  method: string,
  url: string,
  opts: { headers?: Record<string, string>; body?: unknown; raw?: string; timeoutMs?: number } = {},
): Promise<Answer> {
  const startedAt = Date.now();
  const t0 = performance.now();
  const headers: Record<string, string> = { ...opts.headers };
  let body: string | undefined = opts.raw;
  if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers['content-type'] ??= 'application/json';
  }
  try {
    const res = await fetch(url, {
      method,
      headers,
      body,
      signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000),
    });
    const text = await res.text();
    return { status: res.status, ms: performance.now() - t0, body: text, headers: res.headers, startedAt };
  } catch (err) {
    const e = err as { name?: string; cause?: { code?: string }; message?: string };
    const error = e.name === 'TimeoutError' ? 'TIMEOUT' : (e.cause?.code ?? e.message ?? String(err));
    return { status: 0, ms: performance.now() - t0, body: '', headers: new Headers(), error, startedAt };
  }
}

export function json<T = any>(a: Answer): T {
  return JSON.parse(a.body) as T;
}

export function isProblem(a: Answer): boolean {
  if (!(a.headers.get('content-type') ?? '').startsWith('application/problem+json')) return false;
  try {
    const b = JSON.parse(a.body);
    return typeof b.type === 'string' && typeof b.title === 'string' && b.status === a.status;
  } catch {
    return false;
  }
}

/** Runs `fn` over `items` with at most `limit` in flight; results in input order. */
export async function mapLimit<T, R>(
  items: T[],
  limit: number,
  fn: (item: T, i: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      out[i] = await fn(items[i], i);
    }
  });
  await Promise.all(workers);
  return out;
}

/** Calls `fn` until `stop()` says so, with `concurrency` loops; each loop waits `gapMs` between calls. */
export async function loop(
  concurrency: number,
  stop: () => boolean,
  fn: (i: number) => Promise<void>,
  gapMs = 0,
): Promise<void> {
  let n = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (!stop()) {
        await fn(n++);
        if (gapMs > 0) await sleep(gapMs);
      }
    }),
  );
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export function countBy<T>(items: T[], key: (t: T) => string | number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const it of items) {
    const k = String(key(it));
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}

export function fmtCounts(c: Record<string, number>): string {
  return Object.entries(c)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ');
}

export async function waitUntil<T>(
  fn: () => Promise<T | undefined | false>,
  timeoutMs: number,
  intervalMs = 250,
): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() >= deadline) return undefined;
    await sleep(intervalMs);
  }
}

/** Reads one sample of a Prometheus metric (exact series text, e.g. `x{host="api"}`), or undefined. */
export async function metric(baseUrl: string, series: string): Promise<number | undefined> {
  const a = await send('GET', `${baseUrl}/metrics`, { timeoutMs: 5000 });
  if (a.status !== 200) return undefined;
  for (const line of a.body.split('\n')) {
    if (line.startsWith(series + ' ')) return Number(line.slice(series.length + 1));
  }
  return undefined;
}
