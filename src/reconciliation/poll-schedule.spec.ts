import { deferredPollDelaySeconds, nextPollDelaySeconds, PollScheduleOptions } from './poll-schedule.js';

const opts: PollScheduleOptions = {
  afterSeconds: 600,
  minIntervalSeconds: 30,
  capSeconds: 3600,
  jitter: 0.1,
};
const noJitter = () => 0;
const fullJitter = () => 0.999999;

describe('nextPollDelaySeconds', () => {
  it('should wait RECONCILE_AFTER_SECONDS after a change, then double up to the cap', () => {
    const seq = [0, 1, 2, 3, 4, 5, 20].map((n) => nextPollDelaySeconds(n, opts, noJitter));
    expect(seq).toEqual([600, 600, 1200, 2400, 3600, 3600, 3600]);
  });

  it('should never go below the minimum interval when RECONCILE_AFTER_SECONDS is 0', () => {
    const seq = [0, 1, 2, 3].map((n) => nextPollDelaySeconds(n, { ...opts, afterSeconds: 0 }, noJitter));
    expect(seq).toEqual([30, 30, 60, 120]);
  });

  it('should only shorten intervals with jitter, by at most the jitter fraction', () => {
    for (let n = 0; n < 10; n++) {
      const max = nextPollDelaySeconds(n, opts, noJitter);
      const min = nextPollDelaySeconds(n, opts, fullJitter);
      expect(min).toBeLessThanOrEqual(max);
      expect(min).toBeGreaterThanOrEqual(max * 0.9 - 1e-6);
    }
  });

  it('should keep intervals strictly growing until the cap whatever the jitter', () => {
    for (let n = 1; n < 4; n++) {
      const longestNow = nextPollDelaySeconds(n, opts, noJitter);
      const shortestNext = nextPollDelaySeconds(n + 1, opts, fullJitter);
      expect(shortestNext).toBeGreaterThan(longestNow);
    }
  });

  it('should never exceed the cap, even after very many polls', () => {
    expect(nextPollDelaySeconds(10_000, opts, noJitter)).toBe(3600);
    expect(nextPollDelaySeconds(Number.MAX_SAFE_INTEGER, opts, noJitter)).toBe(3600);
  });
});

describe('deferredPollDelaySeconds', () => {
  it('should retry unsent calls within a few seconds, honouring Retry-After', () => {
    expect(deferredPollDelaySeconds(undefined, noJitter)).toBe(1);
    expect(deferredPollDelaySeconds(7, noJitter)).toBe(7);
    expect(deferredPollDelaySeconds(1, fullJitter)).toBeLessThan(5);
  });
});
