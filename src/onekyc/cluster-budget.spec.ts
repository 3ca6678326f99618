// Unit tests of the cluster budget's logic against an in-memory count with the same rules as the
// PostgreSQL statement (the statement itself is tested against PostgreSQL in
// test/onekyc/cluster-budget.intg-spec.ts).
import { BudgetGrantRequest, BudgetGrantStore, ClusterBudget } from './cluster-budget.js';
import { RateLimitWaitExceededError } from './rate-limiter.js';

class MemoryCount implements BudgetGrantStore {
  readonly seconds = new Map<number, { used: number; partner: number }>();
  statements = 0;
  async grant(r: BudgetGrantRequest): Promise<number> {
    this.statements++;
    const row = this.seconds.get(r.second) ?? { used: 0, partner: 0 };
    let partnersActive = r.foreground;
    for (let s = r.second - r.quietSeconds + 1; s <= r.second; s++) {
      if ((this.seconds.get(s)?.partner ?? 0) > 0) partnersActive = true;
    }
    const limit = r.foreground || !partnersActive ? r.limit : r.backgroundLimit;
    const granted = Math.min(r.want, Math.max(0, limit - row.used));
    row.used += granted;
    if (r.partnerActivity) row.partner += granted;
    this.seconds.set(r.second, row);
    return granted;
  }
  async prune(before: number): Promise<void> {
    for (const s of [...this.seconds.keys()]) if (s < before) this.seconds.delete(s);
  }
}

/** A fake wall clock: sleeping moves it forward. */
function clock(startMs = 1_000_000_000) {
  let t = startMs;
  return {
    now: () => t,
    // Callers asleep at the same moment wake at the same moment: the clock moves once for all.
    sleep: async (ms: number) => {
      const target = t + ms;
      await Promise.resolve();
      t = Math.max(t, target);
    },
  };
}

describe('ClusterBudget', () => {
  it('should never grant more than the budget in one second to three instances together', async () => {
    const count = new MemoryCount();
    const c = clock();
    const instances = [1, 2, 3].map(
      () => new ClusterBudget(count, { maxPerSecond: 20, now: c.now, sleep: c.sleep, maxWaitMs: 60_000 }),
    );
    const startedAt: number[] = [];
    await Promise.all(
      instances.flatMap((b) =>
        Array.from({ length: 40 }, async () => {
          await b.take('background');
          startedAt.push(Math.floor(c.now() / 1000));
        }),
      ),
    );
    const perSecond = new Map<number, number>();
    for (const s of startedAt) perSecond.set(s, (perSecond.get(s) ?? 0) + 1);
    expect(startedAt).toHaveLength(120);
    expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(20);
    // With no partner traffic, background work may use the whole budget: 120 calls in 6 seconds.
    expect(perSecond.size).toBeLessThanOrEqual(7);
  });

  it('should keep background calls to their share while partners were active in the cluster', async () => {
    const count = new MemoryCount();
    const c = clock();
    const partnerSide = new ClusterBudget(count, { maxPerSecond: 20, now: c.now, sleep: c.sleep });
    const reconciler = new ClusterBudget(count, {
      maxPerSecond: 20,
      now: c.now,
      sleep: c.sleep,
      maxWaitMs: 0,
    });
    await partnerSide.take('foreground');
    let background = 0;
    for (;;) {
      try {
        await reconciler.take('background');
        background++;
      } catch (err) {
        expect(err).toBeInstanceOf(RateLimitWaitExceededError);
        break;
      }
    }
    expect(background).toBe(13); // 70 % of 20 = 14 in the second, one of them taken by the partner call
    // Partner calls still find the rest of the second.
    for (let i = 0; i < 6; i++) await partnerSide.take('foreground');
  });

  it('should not count the token fetch as partner activity', async () => {
    const count = new MemoryCount();
    const c = clock();
    const b = new ClusterBudget(count, { maxPerSecond: 20, now: c.now, sleep: c.sleep, maxWaitMs: 0 });
    await b.take('foreground', { partnerActivity: false });
    let background = 0;
    while (background < 30) {
      try {
        await b.take('background');
        background++;
      } catch {
        break;
      }
    }
    expect(background).toBe(19);
  });

  it('should take slots in chunks of a fiftieth of the budget, so large budgets cost few statements', async () => {
    const count = new MemoryCount();
    const c = clock();
    const b = new ClusterBudget(count, { maxPerSecond: 1000, now: c.now, sleep: c.sleep });
    for (let i = 0; i < 100; i++) await b.take('foreground');
    expect(b.chunk).toBe(20);
    expect(count.statements).toBe(5);
  });

  it('should share one statement among concurrent callers that find the pool empty', async () => {
    const count = new MemoryCount();
    const c = clock();
    const b = new ClusterBudget(count, { maxPerSecond: 100, now: c.now, sleep: c.sleep });
    await Promise.all(Array.from({ length: 2 }, () => b.take('foreground')));
    expect(count.statements).toBe(1);
  });

  it('should give up with RateLimitWaitExceededError when the next second is past the wait bound', async () => {
    const count = new MemoryCount();
    const c = clock();
    const b = new ClusterBudget(count, { maxPerSecond: 1, now: c.now, sleep: c.sleep, maxWaitMs: 100 });
    await b.take('foreground');
    await expect(b.take('foreground')).rejects.toBeInstanceOf(RateLimitWaitExceededError);
  });

  it('should start no call in the last milliseconds of a second, where it could arrive in the next', async () => {
    const count = new MemoryCount();
    const c = clock(1_000_000_990); // 10 ms before a second ends
    const b = new ClusterBudget(count, { maxPerSecond: 5, now: c.now, sleep: c.sleep });
    await b.take('foreground');
    expect(c.now()).toBe(1_000_001_000);
    expect([...count.seconds.keys()]).toEqual([1_000_001]);
  });
});
