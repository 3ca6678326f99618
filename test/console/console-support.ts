// Helpers of the console tests: the console built once per run (what `npm run build` makes), and
// the session cookie of an answer.
import { spawnSync } from 'node:child_process';
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

export function setCookieOf(res: Response): string {
  const v = res.headers.get('set-cookie');
  if (!v) throw new Error('no set-cookie header');
  return v;
}

/** `name=value` of a Set-Cookie header, ready for a Cookie header. */
export function cookiePair(setCookie: string): string {
  return setCookie.split(';')[0];
}
