// The figures each scenario proves, in one shape: the summary row of the README's Reliability
// table (load, faults, inputs, acknowledged, lost, 5xx on bad input) plus the scenario's own
// figures. Each file writes its part; global-setup's teardown prints them all and writes
// test/reliability/results/latest.json.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runPath } from './run-dir.js';

export interface ScenarioResult {
  id: string;
  title: string;
  load: string;
  faults: string;
  /** Requests/inputs sent (all kinds), as a number. */
  inputs: number;
  /** Answers that promised something (201 created, 200 callback received, ...). */
  acknowledged: number;
  /** Acknowledged but not found afterwards: must be 0. */
  lost: number;
  /** 5xx answers to bad input: must be 0 (null when the scenario sends no bad input). */
  badInput5xx: number | null;
  /** Scenario figures, label → value (printed as a second table). */
  figures: Record<string, string | number>;
  durationMs: number;
  /** Checks that did not hold, in words (empty when everything held). */
  failures: string[];
  finishedAt?: string;
}

export class Recorder {
  readonly result: ScenarioResult;
  private readonly started = Date.now();

  constructor(id: string, title: string) {
    this.result = {
      id,
      title,
      load: '',
      faults: '',
      inputs: 0,
      acknowledged: 0,
      lost: 0,
      badInput5xx: null,
      figures: {},
      durationMs: 0,
      failures: [],
    };
  }

  set(patch: Partial<Omit<ScenarioResult, 'figures' | 'id' | 'title'>>): void {
    Object.assign(this.result, patch);
    this.save();
  }

  figure(label: string, value: string | number): void {
    this.result.figures[label] = value;
    this.save();
  }

  /** Records a check's outcome for the report; the test asserts it separately. */
  check(ok: boolean, failure: string): boolean {
    if (!ok) {
      this.result.failures.push(failure);
      this.save();
    }
    return ok;
  }

  save(): void {
    this.result.durationMs = Date.now() - this.started;
    this.result.finishedAt = new Date().toISOString();
    writeFileSync(runPath('results', `${this.result.id}.json`), JSON.stringify(this.result, null, 2));
  }
}

export function readParts(dir: string): ScenarioResult[] {
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
  return files
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as ScenarioResult)
    .sort((a, b) => a.id.localeCompare(b.id));
}

const cell = (v: unknown) =>
  String(v ?? '')
    .replace(/\|/g, '\\|')
    .replace(/\n/g, ' ');

/** The README's Reliability tables, as Markdown. */
export function markdown(results: ScenarioResult[]): string {
  const lines: string[] = [
    '| Scenario | Load applied | Faults injected | Inputs tried | Acknowledged | Lost | 5xx on bad input | Time |',
    '|---|---|---|---:|---:|---:|---:|---:|',
  ];
  for (const r of results) {
    lines.push(
      `| ${cell(r.title)} | ${cell(r.load)} | ${cell(r.faults)} | ${r.inputs} | ${r.acknowledged} | ${r.lost} | ${
        r.badInput5xx === null ? 'n/a' : r.badInput5xx
      } | ${(r.durationMs / 1000).toFixed(0)} s |`,
    );
  }
  for (const r of results) {
    lines.push('', `**${cell(r.title)}**`, '', '| Figure | Value |', '|---|---:|');
    for (const [k, v] of Object.entries(r.figures)) lines.push(`| ${cell(k)} | ${cell(v)} |`);
    if (r.failures.length) lines.push('', ...r.failures.map((f) => `- FAILED: ${cell(f)}`));
  }
  return lines.join('\n');
}

export function writeLatest(file: string, results: ScenarioResult[], meta: Record<string, unknown>): void {
  writeFileSync(file, JSON.stringify({ ...meta, scenarios: results }, null, 2) + '\n');
}
