// Unit spec of the runner's control flow with an in-memory claim (no database): bounded
// concurrency, nudges, and a handler that throws.
import { LeaseWorker } from './lease-worker.js';

function queue(n: number) {
  const items = Array.from({ length: n }, (_, i) => i);
  return {
    items,
    claim: async (limit: number) => items.splice(0, limit),
  };
}

describe('LeaseWorker', () => {
  it('should never run more handlers at once than its concurrency', async () => {
    const q = queue(20);
    let running = 0;
    let peak = 0;
    const worker = new LeaseWorker<number>({
      name: 't',
      claim: q.claim,
      handle: async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 5));
        running--;
      },
      concurrency: 3,
      leaseSeconds: 10,
      pollIntervalMs: 10_000,
    });
    worker.start();
    while (worker.stats().handled < 20) await new Promise((r) => setTimeout(r, 5));
    await worker.stop();
    expect(peak).toBe(3);
  });

  it('should look for work at once when nudged instead of waiting for the poll interval', async () => {
    const items: number[] = [];
    const handled: number[] = [];
    const worker = new LeaseWorker<number>({
      name: 't',
      claim: async (limit) => items.splice(0, limit),
      handle: async (i) => void handled.push(i),
      concurrency: 2,
      leaseSeconds: 10,
      pollIntervalMs: 60_000,
    });
    worker.start();
    await new Promise((r) => setTimeout(r, 20));
    items.push(7);
    worker.nudge();
    const t0 = Date.now();
    while (handled.length === 0 && Date.now() - t0 < 1000) await new Promise((r) => setTimeout(r, 5));
    await worker.stop();
    expect(handled).toEqual([7]);
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it('should count a handler that throws as failed and keep working', async () => {
    const q = queue(4);
    const worker = new LeaseWorker<number>({
      name: 't',
      claim: q.claim,
      handle: async (i) => {
        if (i === 1) throw new Error('boom');
      },
      concurrency: 1,
      leaseSeconds: 10,
      pollIntervalMs: 10_000,
    });
    worker.start();
    while (worker.stats().handled + worker.stats().failed < 4) await new Promise((r) => setTimeout(r, 5));
    await worker.stop();
    expect(worker.stats()).toMatchObject({ claimed: 4, handled: 3, failed: 1, inFlight: 0 });
  });

  it('should keep trying after a claim fails (the database was away)', async () => {
    let calls = 0;
    const handled: number[] = [];
    const worker = new LeaseWorker<number>({
      name: 't',
      claim: async () => {
        calls++;
        if (calls === 1) throw new Error('connection refused');
        return calls === 2 ? [1] : [];
      },
      handle: async (i) => void handled.push(i),
      concurrency: 1,
      leaseSeconds: 10,
      pollIntervalMs: 10,
      errorBackoffMs: 10,
    });
    worker.start();
    const t0 = Date.now();
    while (handled.length === 0 && Date.now() - t0 < 2000) await new Promise((r) => setTimeout(r, 5));
    await worker.stop();
    expect(handled).toEqual([1]);
  });
});
