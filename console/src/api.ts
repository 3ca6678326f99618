// The console's only way to the service: the admin API, with the session cookie (sent by the
// browser, never readable here) and, on writes, the CSRF token kept in memory.

export interface Problem {
  status: number;
  title?: string;
  detail?: string;
  errors?: { field: string; message: string }[];
}

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title ?? `HTTP ${problem.status}`);
  }
}

export interface Session {
  id: string;
  keyId: string;
  expiresAt: string;
  absoluteExpiresAt: string;
  csrfToken: string;
}

let csrfToken: string | null = null;
let onSignedOut: () => void = () => undefined;

export function setSession(s: Session | null): void {
  csrfToken = s?.csrfToken ?? null;
}

export function whenSignedOut(fn: () => void): void {
  onSignedOut = fn;
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  const res = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    cache: 'no-store',
    // The page's own policy is no-referrer, under which browsers may send `Origin: null` on writes;
    // the service checks the Origin of session writes, so these requests name it.
    referrerPolicy: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = { status: res.status, detail: text.slice(0, 200) };
  }
  if (!res.ok) {
    if (res.status === 401 && path !== '/admin/session') onSignedOut();
    throw new ApiError({ status: res.status, ...(data as object) });
  }
  return data as T;
}

export const api = {
  get: <T>(path: string) => request<T>('GET', path),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, body ?? {}),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', path, body),
  del: <T>(path: string) => request<T>('DELETE', path),
};

/** An image of the admin API as an object URL (evidence), or null when there is none (404). */
export async function fetchImage(path: string): Promise<string | null> {
  const res = await fetch(path, { credentials: 'same-origin', cache: 'no-store' });
  if (res.status === 404) return null;
  if (!res.ok) {
    let problem: Problem = { status: res.status };
    try {
      problem = { status: res.status, ...(await res.json()) };
    } catch {
      // not JSON
    }
    if (res.status === 401) onSignedOut();
    throw new ApiError(problem);
  }
  return URL.createObjectURL(await res.blob());
}

export function query(params: Record<string, string | number | undefined | null | false>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '' && v !== false) q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}
