// The jobs room: one small runner for "rows in a table are work" (webhook deliveries, evidence
// downloads). It claims due rows with a lease (the caller's `FOR UPDATE SKIP LOCKED` statement
// pushes the row's due time out), runs the handler outside any transaction with bounded
// concurrency, and stops cleanly. A killed process holds nothing: its leases simply expire.
import { Logger } from '@nestjs/common';

export interface LeaseWorkerOptions<T> {
  /** Names the worker in logs. */
  name: string;
  /**
   * Claims up to `limit` due rows in one short statement (its own transaction), leasing each for
   * `leaseSeconds`: a claimed row must not be claimable again until the lease runs out, so work
   * whose runner died is picked up again seconds later by any instance.
   */
  claim(limit: number, leaseSeconds: number): Promise<T[]>;
  /**
   * Does the work for one claimed row and records its outcome (which replaces the lease). Runs
   * outside any transaction. A rejection is logged and the row waits for its lease to expire.
   */
  handle(item: T): Promise<void>;
  /** Handlers in flight at most (per instance). */
  concurrency: number;
  /** How long a claimed row stays invisible to other claims; longer than one handler may run. */
  leaseSeconds: number;
  /** Idle poll interval: how soon rows made due by other instances (or by time) are seen. */
  pollIntervalMs: number;
  /** After a failed claim (database down), wait this long before trying again. */
  errorBackoffMs?: number;
  /**
   * Queue gauges (depth, oldest age) refreshed while the worker runs: at start, then every
   * `intervalMs`. A refresh must not throw (a failed one keeps the last values).
   */
  gauges?: { intervalMs: number; refresh(): Promise<void> };
}

export interface LeaseWorkerStats {
  claimed: number;
  handled: number;
  failed: number;
  inFlight: number;
}

/**
 * The loop: claim as many rows as there are free slots, start a handler per row, and sleep
 * until a slot frees up, `nudge()` is called (work was just made due in this process), or the
 * poll interval passes. Only what can start at once is claimed, so nothing claimed ever waits
 * in memory behind a lease.
 */
export class LeaseWorker<T> {
  private readonly logger: Logger;
  private readonly inFlight = new Set<Promise<void>>();
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private nudged = false;
  private gaugeTimer: NodeJS.Timeout | null = null;
  private readonly counts = { claimed: 0, handled: 0, failed: 0 };

  constructor(private readonly options: LeaseWorkerOptions<T>) {
    if (!(options.concurrency >= 1)) throw new Error(`${options.name}: concurrency must be at least 1`);
    if (!(options.leaseSeconds > 0)) throw new Error(`${options.name}: leaseSeconds must be positive`);
    this.logger = new Logger(`LeaseWorker:${options.name}`);
  }

  get isRunning(): boolean {
    return this.running;
  }

  stats(): LeaseWorkerStats {
    return { ...this.counts, inFlight: this.inFlight.size };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
    const gauges = this.options.gauges;
    if (gauges) {
      this.gaugeTimer = setInterval(() => void gauges.refresh(), gauges.intervalMs).unref();
      void gauges.refresh();
    }
  }

  /** Look for due work now instead of at the next poll (call it after committing new work). */
  nudge(): void {
    this.nudged = true;
    this.wake?.();
  }

  /**
   * Stops claiming and waits for the handlers in flight (they finish and record their outcomes
   * while the database is still there). Call before the pool closes.
   */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.gaugeTimer) clearInterval(this.gaugeTimer);
    this.gaugeTimer = null;
    this.wake?.();
    await this.loop;
    await Promise.allSettled([...this.inFlight]);
  }

  private async run(): Promise<void> {
    while (this.running) {
      const free = this.options.concurrency - this.inFlight.size;
      let claimedAll = false;
      if (free > 0) {
        this.nudged = false;
        let items: T[] = [];
        try {
          items = await this.options.claim(free, this.options.leaseSeconds);
        } catch (err) {
          this.logger.warn({ err: (err as Error).message }, 'claim failed; retrying');
          await this.sleep(this.options.errorBackoffMs ?? Math.max(1000, this.options.pollIntervalMs));
          continue;
        }
        this.counts.claimed += items.length;
        for (const item of items) this.spawn(item);
        // A full batch means more may be due: go again as soon as a slot frees up.
        claimedAll = items.length === free;
      }
      if (!this.running) break;
      if (this.canRunNudge()) continue;
      await this.sleep(claimedAll || free === 0 ? Infinity : this.options.pollIntervalMs);
    }
  }

  private spawn(item: T): void {
    const task = (async () => {
      try {
        await this.options.handle(item);
        this.counts.handled++;
      } catch (err) {
        this.counts.failed++;
        this.logger.error({ err: (err as Error).message }, 'handler failed; the row waits for its lease');
      }
    })();
    this.inFlight.add(task);
    void task.finally(() => {
      this.inFlight.delete(task);
      this.wake?.();
    });
  }

  private canRunNudge(): boolean {
    return this.nudged && this.inFlight.size < this.options.concurrency;
  }

  /** Resolves after `ms`, on a nudge, when a handler finishes, or on stop. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        if (timer) clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      if (!this.running || this.canRunNudge()) return done();
      // unref: an idle worker must not keep a process (or a test) alive.
      if (Number.isFinite(ms)) timer = setTimeout(done, ms).unref();
      this.wake = done;
    });
  }
}
