// Helpers of the console tests: the console built once per run (what `npm run build` makes), and
// a session opened over plain HTTP as the browser would.
import { spawnSync } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';

let built = false;

/** Builds dist/public/console (esbuild: well under a second). */
export function buildConsoleAssets(): void {
  if (built) return;
  const root = join(import.meta.dirname, '..', '..');
  const res = spawnSync(process.execPath, [join(root, 'scripts', 'build-console.mjs')], {
    cwd: root,
    encoding: 'utf8',
  });
  if (res.status !== 0) throw new Error(`console build failed: ${res.stderr}`);
  built = true;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A plain node:http request (fetch cannot set Host), answering status, headers and body. */
export function rawRequest(
  baseUrl: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<RawResponse> {
  const u = new URL(path, baseUrl);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        method,
        headers: {
          ...(payload
            ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
            : {}),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode!,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}

export function setCookieOf(res: RawResponse | Response): string {
  const raw = res instanceof Response ? res.headers.get('set-cookie') : res.headers['set-cookie'];
  const v = Array.isArray(raw) ? raw[0] : raw;
  if (!v) throw new Error('no set-cookie header');
  return v;
}

/** `name=value` of a Set-Cookie header, ready for a Cookie header. */
export function cookiePair(setCookie: string): string {
  return setCookie.split(';')[0];
}
