// Where one run of the reliability suite keeps its things: the snapshot of the built service, the
// logs of every child process, table dumps, result parts and the registry of started processes.
// Created by global-setup.ts and handed to the test files through REL_* environment variables.
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export function runDir(): string {
  const dir = process.env.REL_RUN_DIR;
  if (!dir) throw new Error('REL_RUN_DIR is unset: run through `npm run test:reliability`');
  return dir;
}

export function runPath(...parts: string[]): string {
  const p = join(runDir(), ...parts);
  mkdirSync(join(p, '..'), { recursive: true });
  return p;
}

/** The built service, copied at the start of the run (a concurrent `npm run build` cannot pull it away). */
export function appDir(): string {
  const dir = process.env.REL_APP_DIR;
  if (!dir) throw new Error('REL_APP_DIR is unset: run through `npm run test:reliability`');
  return dir;
}

/** Synthetic personal data and secrets the suite used: the leak scan looks for each of them. */
export function recordSensitive(kind: string, ...values: (string | null | undefined)[]): void {
  const lines = values
    .filter((v): v is string => typeof v === 'string' && v.length >= 6)
    .map((v) => JSON.stringify({ kind, value: v }) + '\n');
  if (lines.length) appendFileSync(runPath('ledger', 'sensitive.jsonl'), lines.join(''));
}

const ownPostmasters = new Set<string>();

/** Remembers a data directory whose server this process started (see quitOwnPostmasters). */
export function registerOwnPostmaster(dataDir: string): void {
  ownPostmasters.add(dataDir);
}

/** Immediate shutdown (SIGQUIT) of the embedded PostgreSQL servers this process started, if running. */
export function quitOwnPostmasters(): void {
  for (const data of ownPostmasters) {
    try {
      process.kill(Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]), 'SIGQUIT');
    } catch {
      /* not running */
    }
  }
}
