// Evidence archive: when a provider image URL stops working. The provider's links are presigned
// (S3 style) and live 5 days: `expires` (epoch seconds, the sandbox and S3 query auth v2 style),
// or `X-Amz-Date` + `X-Amz-Expires` (SigV4). A URL that says nothing is assumed to live the
// provider's 5 days from when the service received it.
export const DEFAULT_URL_LIFETIME_MS = 5 * 24 * 3600 * 1000;

export function urlExpiry(url: string, receivedAt: Date): Date {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return new Date(receivedAt.getTime() + DEFAULT_URL_LIFETIME_MS);
  }
  const q = u.searchParams;
  const epoch = q.get('expires') ?? q.get('Expires');
  if (epoch && /^\d{1,12}$/.test(epoch)) return new Date(Number(epoch) * 1000);
  const date = q.get('X-Amz-Date');
  const seconds = q.get('X-Amz-Expires');
  if (date && seconds && /^\d{8}T\d{6}Z$/.test(date) && /^\d{1,9}$/.test(seconds)) {
    const iso = `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T${date.slice(9, 11)}:${date.slice(11, 13)}:${date.slice(13, 15)}Z`;
    const start = Date.parse(iso);
    if (Number.isFinite(start)) return new Date(start + Number(seconds) * 1000);
  }
  return new Date(receivedAt.getTime() + DEFAULT_URL_LIFETIME_MS);
}

/**
 * The wait before the next attempt after `attempts` failed ones: 15 s doubling up to 30 min, with
 * jitter (x0.5 to x1). `random` in [0, 1).
 */
export function retryDelayMs(attempts: number, random: number): number {
  const base = Math.min(30 * 60_000, 15_000 * 2 ** Math.max(0, attempts - 1));
  return Math.round(base * (0.5 + random / 2));
}

/** Give up on a URL this long before it expires (a download started later may not finish in time). */
export const EXPIRY_MARGIN_MS = 60_000;
