// The imports between the feature folders of src/ (the rooms), read from the source text with
// TypeScript's own pre-processor (static imports, re-exports, `import type`, dynamic imports).
// The files at the top of src/ (the app's wiring: app.module.ts, entities.ts...) are the room
// APP, which may import any room and which no room may import. Entry points (a process's main:
// main.ts, *.cli.ts, the TypeORM CLI's data-source.ts) are outside the graph: they may import
// anything, and nothing may import them.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

export interface RoomEdge {
  from: string;
  to: string;
  /** One import that makes the edge, `file -> imported file`, for the failure message. */
  example: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.ts$/.test(name) && !/\.d\.ts$/.test(name) ? [path] : [];
  });
}

export const APP = '(app)';

export function isEntryPoint(file: string): boolean {
  return /(^|[/\\])(main|data-source)\.ts$|\.cli\.ts$/.test(file);
}

/** The room of a file under `srcDir`: its first folder, or APP for the files at the top. */
function roomOf(srcDir: string, file: string): string {
  const parts = relative(srcDir, file).split(sep);
  return parts.length > 1 ? parts[0] : APP;
}

/** `file -> imported file` for every import of an entry point (there must be none). */
export function importsOfEntryPoints(srcDir: string): string[] {
  return sourceFiles(srcDir).flatMap((file) =>
    localImports(srcDir, file)
      .filter((target) => isEntryPoint(target))
      .map((target) => `${relative(srcDir, file)} -> ${relative(srcDir, target)}`),
  );
}

/** The files under `srcDir` that `file` imports (packages and paths outside left out). */
function localImports(srcDir: string, file: string): string[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return importedFiles
    .filter(({ fileName }) => fileName.startsWith('.'))
    .map(({ fileName }) => resolve(dirname(file), fileName.replace(/\.js$/, '.ts')))
    .filter((target) => !relative(srcDir, target).startsWith('..'));
}

/** Every edge between two different rooms, one per ordered pair. */
export function roomEdges(srcDir: string): RoomEdge[] {
  const edges = new Map<string, RoomEdge>();
  for (const file of sourceFiles(srcDir)) {
    if (isEntryPoint(file)) continue;
    const from = roomOf(srcDir, file);
    for (const target of localImports(srcDir, file)) {
      const to = roomOf(srcDir, target);
      if (to === from) continue;
      const key = `${from}->${to}`;
      if (!edges.has(key)) {
        edges.set(key, { from, to, example: `${relative(srcDir, file)} -> ${relative(srcDir, target)}` });
      }
    }
  }
  return [...edges.values()];
}

/** The strongly connected groups of more than one room (Tarjan): each is at least one cycle. */
export function roomCycles(edges: RoomEdge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const e of edges) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  const rooms = [...new Set(edges.flatMap((e) => [e.from, e.to]))].sort();
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  let counter = 0;
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const group: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        group.push(w);
      } while (w !== v);
      if (group.length > 1) groups.push(group.sort());
    }
  };
  for (const room of rooms) if (!index.has(room)) visit(room);
  return groups;
}
