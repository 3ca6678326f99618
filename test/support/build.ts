// Process-level tests run the compiled service (`node dist/main.js`), exactly as users do. This
// builds it first when dist/ is missing or older than the sources (CI builds before testing).
import { execSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

export function ensureBuilt(): string {
  const main = join(process.cwd(), 'dist', 'main.js');
  const stale =
    !existsSync(main) ||
    statSync(main).mtimeMs <
      Math.max(newestMtime(join(process.cwd(), 'src')), newestMtime(join(process.cwd(), 'migrations')));
  if (stale) execSync('npm run build --silent', { stdio: 'ignore' });
  return main;
}
