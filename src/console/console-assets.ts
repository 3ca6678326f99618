// Console room: where the built console lives (`npm run build` writes it with
// scripts/build-console.mjs) and the Content-Security-Policy its answers carry.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project folder: the nearest parent of this file holding package.json (from src/ or dist/). */
function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
  return dir;
}

export const CONSOLE_ASSETS_DIR = join(projectRoot(), 'dist', 'public', 'console');

/** The files the console is made of, with their types; nothing else is served. */
export const CONSOLE_FILES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
  'favicon.svg': 'image/svg+xml',
};

/**
 * No inline script or style, nothing from elsewhere: scripts, styles and API calls from this
 * origin only; images also as blob: (evidence images are fetched with the session, then shown).
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');
