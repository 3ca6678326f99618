// `npm run start:dev`: the fast loop. TypeScript in watch mode (incremental: only what changed is
// recompiled) for src/ and migrations/, and the service restarted after each error-free compile,
// with human-friendly logs (LOG_FORMAT=pretty unless set). A compile error keeps the last good
// service running and prints the error. Ctrl-C stops everything (the service stops its embedded
// database and sandbox itself).
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { STAMP } from './ensure-built.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const env = { ...process.env, LOG_FORMAT: process.env.LOG_FORMAT ?? 'pretty' };

const projects = ['tsconfig.build.json', 'tsconfig.migrations.json'];
const clean = new Map(projects.map((p) => [p, false]));
let service;
let restartTimer;
let stopping = false;

function startService() {
  service = spawn(process.execPath, ['--enable-source-maps', '--max-old-space-size=512', 'dist/main.js'], {
    cwd: root,
    env,
    stdio: 'inherit',
  });
  const started = service;
  started.on('exit', (code, signal) => {
    if (service === started) service = undefined;
    if (!stopping && !started.restarting)
      console.log(`[dev] the service exited (${signal ?? `code ${code}`}); it restarts on the next change`);
  });
}

function stopService() {
  const current = service;
  if (!current || current.exitCode !== null) return Promise.resolve();
  current.restarting = true;
  return new Promise((resolve) => {
    current.once('exit', resolve);
    current.kill('SIGTERM');
  });
}

function scheduleRestart() {
  clearTimeout(restartTimer);
  restartTimer = setTimeout(async () => {
    if (![...clean.values()].every(Boolean)) return;
    writeFileSync(STAMP, `${new Date().toISOString()}\n`); // `npm start` may reuse this build
    if (service) console.log('[dev] compiled: restarting the service');
    await stopService();
    if (!stopping) startService();
  }, 200);
}

for (const project of projects) {
  const watcher = spawn(process.execPath, [tsc, '-p', project, '--watch', '--preserveWatchOutput'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let buffer = '';
  watcher.stdout.on('data', (chunk) => {
    buffer += chunk;
    let nl;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      const done = /Found (\d+) errors?\. Watching for file changes/.exec(line);
      if (done) {
        clean.set(project, done[1] === '0');
        if (done[1] === '0') scheduleRestart();
        else console.log(`[dev] ${project}: ${done[1]} error(s); the last good build keeps running`);
      } else if (/error TS\d+/.test(line)) {
        console.log(line);
      }
    }
  });
  process.once('exit', () => watcher.kill());
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    stopping = true;
    clearTimeout(restartTimer);
    await stopService();
    process.exit(0);
  });
}
console.log(
  '[dev] compiling src/ and migrations/ in watch mode; the service starts after the first clean compile',
);
