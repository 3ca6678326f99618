// Scenario 6 (end): after every other scenario, the logs of every service process the suite ran
// and a dump of every table of every database they used must not hold, in clear, any NIK, name,
// address, phone number, email, SDK token, partner token, image URL or key the suite sent or
// received (each was recorded in the run's ledger as it went by).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Recorder } from './support/results.js';
import { runDir } from './support/run-dir.js';

describe('scenario 6 (end): no personal data or secret in logs and tables', () => {
  const rec = new Recorder('6b-leak-scan', '6b. Logs and tables after the suite');

  it('should find none of the personal data or secrets the suite used in any service log or table dump', () => {
    const ledger = join(runDir(), 'ledger', 'sensitive.jsonl');
    const entries = existsSync(ledger)
      ? readFileSync(ledger, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as { kind: string; value: string })
      : [];
    const values = new Map<string, string>();
    for (const e of entries) values.set(e.value, e.kind);
    const files = (dir: string, suffix: string) =>
      existsSync(join(runDir(), dir))
        ? readdirSync(join(runDir(), dir))
            .filter((f) => f.endsWith(suffix))
            .map((f) => join(runDir(), dir, f))
        : [];
    const logs = files('logs', '.service.log');
    const dumps = files('dumps', '.txt');
    const found: { file: string; kind: string }[] = [];
    let bytes = 0;
    let lines = 0;
    // One pass per file: values grouped by their first 4 characters, looked up at every position.
    const byPrefix = new Map<string, string[]>();
    for (const v of values.keys()) byPrefix.set(v.slice(0, 4), [...(byPrefix.get(v.slice(0, 4)) ?? []), v]);
    const scan = (text: string) => {
      const hits = new Set<string>();
      for (let i = 0; i + 4 <= text.length; i++) {
        const group = byPrefix.get(text.slice(i, i + 4));
        if (group) for (const v of group) if (text.startsWith(v, i)) hits.add(v);
      }
      return hits;
    };
    // The scanner itself finds what is there.
    const planted = [...values.keys()].slice(-3);
    expect([...scan(`{"a":"x${planted.join('" "')}y"}`)].sort()).toEqual([...planted].sort());
    for (const file of [...logs, ...dumps]) {
      const text = readFileSync(file, 'utf8');
      bytes += statSync(file).size;
      lines += text.split('\n').length;
      for (const v of scan(text)) found.push({ file: file.slice(runDir().length + 1), kind: values.get(v)! });
    }
    const byKind: Record<string, number> = {};
    for (const e of values.values()) byKind[e] = (byKind[e] ?? 0) + 1;

    rec.set({
      load: `${logs.length} service logs and ${dumps.length} database dumps (${(bytes / 1024 / 1024).toFixed(1)} MiB, ${lines} lines)`,
      faults: 'none (inspection)',
      inputs: values.size,
      acknowledged: 0,
      lost: found.length,
    });
    rec.figure(
      'values searched, by kind',
      Object.entries(byKind)
        .map(([k, n]) => `${k}: ${n}`)
        .join(', '),
    );
    rec.figure(
      'found in clear',
      found.length
        ? found
            .slice(0, 10)
            .map((f) => `${f.kind} in ${f.file}`)
            .join('; ')
        : 'none',
    );
    rec.check(found.length === 0, `${found.length} values in clear`);

    expect(logs.length).toBeGreaterThan(0);
    expect(dumps.length).toBeGreaterThan(0);
    expect(lines).toBeGreaterThan(1000);
    for (const kind of ['phone', 'nik', 'name', 'sdk-token', 'partner-token', 'key'])
      expect(byKind[kind] ?? 0, kind).toBeGreaterThan(0);
    expect(found).toEqual([]);
  });
});
