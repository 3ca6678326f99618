import { SingleRun } from './single-run.js';

describe('SingleRun', () => {
  it('should skip a start while a run is going, and every start after stop', async () => {
    let skipped = 0;
    const single = new SingleRun<number>(() => skipped++);
    let release!: (n: number) => void;
    const first = single.start(() => new Promise<number>((r) => (release = r)));
    expect(await single.start(async () => 2)).toBeNull();
    expect(skipped).toBe(1);
    const running = single.stop();
    expect(single.stopping).toBe(true);
    release(1);
    expect(await running).toBe(1);
    expect(await first).toBe(1);
    expect(await single.start(async () => 3)).toBeNull();
    expect(skipped).toBe(2);
    expect(single.stop()).toBeNull();
  });

  it('should allow the next run once one has finished, failed or not', async () => {
    const single = new SingleRun<number>(() => undefined);
    await expect(single.start(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await single.start(async () => 4)).toBe(4);
  });
});
