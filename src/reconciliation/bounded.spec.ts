import { forEachBounded } from './bounded.js';

const tick = () => new Promise((r) => setTimeout(r, 1));

describe('forEachBounded', () => {
  it('should never have more than the limit in flight and process every item once', async () => {
    let inFlight = 0;
    let peak = 0;
    const seen: number[] = [];
    const left = await forEachBounded([...Array(25).keys()], 4, async (i) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await tick();
      seen.push(i);
      inFlight--;
    });
    expect(left).toEqual([]);
    expect(peak).toBe(4);
    expect(seen.sort((a, b) => a - b)).toEqual([...Array(25).keys()]);
  });

  it('should stop starting items once asked to, and hand back the ones never started', async () => {
    const started: number[] = [];
    let stop = false;
    const left = await forEachBounded(
      [...Array(10).keys()],
      2,
      async (i) => {
        started.push(i);
        if (i === 3) stop = true;
        await tick();
      },
      () => stop,
    );
    expect(started.length + left.length).toBe(10);
    expect(left[0]).toBe(started.length);
    expect(started.length).toBeLessThanOrEqual(5);
  });

  it('should cope with an empty list', async () => {
    expect(await forEachBounded([], 3, async () => undefined)).toEqual([]);
  });
});
