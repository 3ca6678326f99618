// `npm run bench`: builds (the npm script), then starts PostgreSQL, the provider sandbox, the
// service and the baseline server as separate processes, drives them from separate load-worker
// processes, prints a table and writes bench/results/latest.json. See bench/README.md.
//
//   npm run bench                                   every scenario, full length
//   npm run bench -- --only callback_ingest,startup a subset
//   npm run bench -- --quick                        short smoke run (few rows, seconds per run)
//   options: --rounds N (alternating service/baseline rounds, default 2), --out FILE,
//            --profile (service runs with --cpu-prof into bench/.profiles), --keep (keep bench/.tmp)
// Only a full run (no --only, no --quick) writes latest.json; others write latest.tmp.json.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as procs from './lib/procs.mjs';
import { installSignalHandlers, onCleanup, stopAll } from './lib/procs.mjs';
import { Stack } from './lib/stack.mjs';
import { adminList } from './scenarios/admin-list.mjs';
import { callbackIngest } from './scenarios/callback-ingest.mjs';
import { evidence } from './scenarios/evidence.mjs';
import { initiate } from './scenarios/initiate.mjs';
import { memory } from './scenarios/memory.mjs';
import { clusterBudget, reconcileBacklog } from './scenarios/reconcile-backlog.mjs';
import { startup } from './scenarios/startup.mjs';
import { webhooks } from './scenarios/webhooks.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SCENARIOS = {
  callback_ingest: callbackIngest,
  initiate,
  memory,
  startup,
  reconcile_backlog: reconcileBacklog,
  cluster_budget: clusterBudget,
  admin_list_1m: adminList,
  webhooks,
  evidence,
};

function parseArgs(argv) {
  const o = { only: Object.keys(SCENARIOS), quick: false, rounds: undefined, out: undefined, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => (a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i]);
    if (a.startsWith('--only')) o.only = value().split(',').map((s) => s.trim()).filter(Boolean);
    else if (a === '--quick') o.quick = true;
    else if (a.startsWith('--rounds')) o.rounds = Number(value());
    else if (a.startsWith('--out')) o.out = resolve(value());
    else if (a === '--profile') o.profile = true;
    else if (a === '--keep') o.keep = true;
    else if (a === '--help' || a === '-h') {
      console.log(`usage: npm run bench -- [--only ${Object.keys(SCENARIOS).join(',')}] [--quick] [--rounds N] [--out FILE] [--profile] [--keep]`);
      process.exit(0);
    } else throw new Error(`unknown option ${a} (try --help)`);
  }
  for (const s of o.only) if (!SCENARIOS[s]) throw new Error(`unknown scenario ${s}: one of ${Object.keys(SCENARIOS).join(', ')}`);
  o.rounds ??= o.quick ? 1 : 2;
  o.full = !o.quick && o.only.length === Object.keys(SCENARIOS).length;
  return o;
}

const log = (msg) => console.log(msg);

function printTable(rows) {
  const cols = ['scenario', 'service', 'baseline', 'ratio', 'p50', 'p99', 'errors'];
  const cells = rows.map((r) => cols.map((c) => String(r[c] ?? '')));
  const width = cols.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i].length)));
  const line = (vals) => vals.map((v, i) => v.padEnd(width[i])).join(' | ');
  console.log('\n' + line(cols));
  console.log(width.map((w) => '-'.repeat(w)).join('-|-'));
  for (const r of cells) console.log(line(r));
  console.log('(service / baseline where a cell holds two figures)');
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  installSignalHandlers();
  const t0 = Date.now();
  const stack = new Stack({ root: ROOT, quick: opts.quick });
  const results = {};
  const rows = [];
  const checks = [];
  const failures = [];
  // Registered first, so it runs last: after every process and the database have stopped.
  onCleanup(() => {
    if (!opts.keep) rmSync(stack.tmp, { recursive: true, force: true });
  });
  try {
    stack.snapshotDist();
    if (opts.profile) {
      stack.profileDir = join(ROOT, 'bench', '.profiles');
      mkdirSync(stack.profileDir, { recursive: true });
    }
    await stack.startDatabase();
    const ran = await stack.migrate();
    log(`PostgreSQL ${stack.postgresVersion}: ${stack.dbLabel}; ${ran} migration(s) applied`);
    stack.sandbox = await stack.startSandbox();
    log(`sandbox at ${stack.sandbox.url}`);
    for (const name of Object.keys(SCENARIOS).filter((s) => opts.only.includes(s))) {
      if (procs.aborted) break;
      const started = Date.now();
      const firstService = stack.services.length;
      log(`\n== ${name}${opts.quick ? ' (quick)' : ''}`);
      try {
        const r = await SCENARIOS[name](stack, { ...opts, log });
        if (r.skipped) {
          failures.push(`${name}: skipped: ${r.skipped}`);
          log(`  skipped: ${r.skipped}`);
          continue;
        }
        results[name] = r.json;
        rows.push(...r.rows);
        checks.push(...r.checks);
      } catch (err) {
        failures.push(`${name}: ${err?.stack ?? err}`);
        log(`  FAILED: ${err?.stack ?? err}`);
        // Whatever the scenario left running is stopped before the next one starts.
        for (const s of stack.services) await s.stop().catch(() => undefined);
      }
      const peak = Math.max(0, ...stack.services.slice(firstService).map((s) => s.peakHwmMiB ?? 0));
      log(`  (${((Date.now() - started) / 1000).toFixed(0)} s; service peak RSS ${peak.toFixed(1)} MiB)`);
    }
  } finally {
    await stopAll();
    if (!opts.keep) rmSync(stack.tmp, { recursive: true, force: true });
  }

  if (results.memory) {
    results.memory.peakRssMiB = Math.round(stack.peak.hwmMiB * 10) / 10;
    checks.push([`peak RSS < 250 MiB (${results.memory.peakRssMiB} MiB)`, results.memory.peakRssMiB < 250]);
    const row = rows.find((r) => r.scenario.startsWith('memory'));
    if (row) row.baseline = `peak ${results.memory.peakRssMiB} MiB`;
  }
  const report = {
    date: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      memGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
      node: process.version,
      postgres: stack.postgresVersion ?? null,
    },
    scenarios: results,
  };
  printTable(rows);
  console.log('\nTargets:');
  for (const [what, ok] of checks) console.log(`  ${ok ? 'met   ' : 'MISSED'}  ${what}`);
  for (const f of failures) console.log(`  FAILED  ${f.split('\n')[0]}`);
  const out =
    opts.out ?? join(ROOT, 'bench', 'results', opts.full && failures.length === 0 ? 'latest.json' : 'latest.tmp.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(report, null, 2) + '\n');
  console.log(`\nwrote ${out} (${((Date.now() - t0) / 60000).toFixed(1)} min)`);
  process.exitCode = failures.length ? 1 : 0;
}

main().catch(async (err) => {
  console.error(err?.stack ?? err);
  await stopAll();
  process.exit(1);
});
