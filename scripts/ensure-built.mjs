// Builds only when dist/ is older than the sources: `npm start`, the migration and OpenAPI
// scripts call it, so a second `npm start` starts at once instead of compiling from scratch.
// `npm run build` writes dist/.build-stamp last; any newer file under src/ or migrations/, or a
// newer tsconfig, package.json or package-lock.json, makes dist/ stale; so does a change of the
// operator console's sources (console/), which the build bundles into dist/public/console.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const STAMP = join(root, 'dist', '.build-stamp');
const INPUT_DIRS = ['src', 'migrations', 'console'];
const INPUT_FILES = [
  'tsconfig.json',
  'tsconfig.build.json',
  'tsconfig.migrations.json',
  'package.json',
  'package-lock.json',
  'scripts/build-console.mjs',
];

function newestMtime(path) {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs; // a deleted file changes its folder's mtime
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** The first input newer than the last build, or undefined when dist/ is current. */
export function staleReason() {
  if (!existsSync(STAMP)) return 'no finished build in dist/';
  const built = statSync(STAMP).mtimeMs;
  for (const p of [...INPUT_DIRS, ...INPUT_FILES]) {
    if (newestMtime(join(root, p)) > built) return `${p} changed since the last build`;
  }
  return undefined;
}

export function ensureBuilt() {
  const reason = staleReason();
  if (!reason) return;
  process.stderr.write(`Building (${reason})...\n`);
  const res = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  if (res.status !== 0) process.exit(res.status ?? 1);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv.includes('--stamp')) writeFileSync(STAMP, `${new Date().toISOString()}\n`);
  else ensureBuilt();
}
