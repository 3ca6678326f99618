// The rooms (feature folders of src/) import each other without cycles: a change in one room
// never needs a change in a room that depends on it. A failure names the rooms of each cycle and
// one import for each edge between them.
import { fileURLToPath } from 'node:url';
import { APP, importsOfEntryPoints, roomCycles, roomEdges } from './import-graph.js';

const SRC = fileURLToPath(new URL('../../src', import.meta.url));

describe('imports between the rooms of src/', () => {
  const edges = roomEdges(SRC);

  it('should read the imports (the graph is not empty)', () => {
    expect(edges.some((e) => e.from === 'callbacks' && e.to === 'submissions')).toBe(true);
  });

  it('should have no cycle between rooms', () => {
    const cycles = roomCycles(edges).map((rooms) => ({
      rooms,
      edges: edges.filter((e) => rooms.includes(e.from) && rooms.includes(e.to)).map((e) => e.example),
    }));
    expect(cycles).toEqual([]);
  });

  it('should let no room import the app wiring at the top of src/', () => {
    expect(edges.filter((e) => e.to === APP).map((e) => e.example)).toEqual([]);
  });

  it('should let nothing import an entry point (main.ts, *.cli.ts, data-source.ts)', () => {
    expect(importsOfEntryPoints(SRC)).toEqual([]);
  });

  it('should find a cycle when there is one', () => {
    const a = (from: string, to: string) => ({ from, to, example: `${from}/x.ts -> ${to}/y.ts` });
    expect(roomCycles([a('a', 'b'), a('b', 'c'), a('c', 'a'), a('c', 'd')])).toEqual([['a', 'b', 'c']]);
    expect(roomCycles([a('a', 'b'), a('b', 'c'), a('a', 'c')])).toEqual([]);
  });
});
