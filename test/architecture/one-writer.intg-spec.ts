// The store is the only writer of the submissions table: no statement outside src/submissions/
// inserts, updates or deletes its rows (the change hook and the timeline depend on it).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../../src', import.meta.url));
const WRITE = /\b(?:UPDATE|INSERT\s+INTO|DELETE\s+FROM)\s+submissions\b/i;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('the one writer of submissions', () => {
  it('should find the store writing submissions (the pattern matches)', () => {
    const store = readFileSync(join(SRC, 'submissions', 'submissions.repository.ts'), 'utf8');
    expect(store).toMatch(WRITE);
  });

  it('should find no statement writing submissions outside src/submissions/', () => {
    const writers = files(SRC)
      .filter((f) => !relative(SRC, f).startsWith('submissions'))
      .filter((f) => !f.endsWith('.spec.ts'))
      .filter((f) => WRITE.test(readFileSync(f, 'utf8')))
      .map((f) => relative(SRC, f));
    expect(writers).toEqual([]);
  });
});
