// Process-level tests run the compiled service (`node dist/main.js`), exactly as users do. This
// builds it first when dist/ is stale, with the same check `npm start` makes (scripts/ensure-built.mjs).
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export function ensureBuilt(): string {
  execFileSync(process.execPath, [join(process.cwd(), 'scripts', 'ensure-built.mjs')], { stdio: 'ignore' });
  return join(process.cwd(), 'dist', 'main.js');
}
