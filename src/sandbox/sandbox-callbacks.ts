// Delivers callbacks the way the provider does: an HTTP request to the partner's URL with its
// method and static credential header, at least once, retried on anything but a 2xx. Result
// callbacks are never sent for IN_PROGRESS (the provider shows that state to polling only);
// signing callbacks (`callbackType`) go to the same URL. Faults: drop, deliver N times, delay,
// reorder (a stale PARTIALLY_COMPLETED after the COMPLETED), and the retry schedule.
import type { CallbackFaults, SandboxCallbackTarget } from './sandbox.config.js';
import type { Random } from './sandbox-random.js';
import { callbackBody, SandboxStats, SandboxSubmission } from './sandbox-store.js';

/** What is sent: a result callback body, or a signing callback's. */
export type CallbackPayload = Record<string, unknown>;

export interface DeliveryAttempt {
  at: string;
  partnerSessionId?: string;
  submissionId?: string;
  status?: string;
  /** Set for signing callbacks. */
  callbackType?: string;
  /** 1..duplicates: which copy of this callback. */
  copy: number;
  /** 1 for the first try, 2 for the first retry, ... */
  attempt: number;
  httpStatus?: number;
  error?: string;
  ok: boolean;
}

export interface DispatchReport {
  /** False when dropped by a fault or when no callback URL is configured. */
  sent: boolean;
  reason?: 'dropped' | 'no-callback-url' | 'delayed' | 'not-waited' | 'polling-only';
  /** First attempts of every copy, in delivery order (empty unless waited for). */
  attempts: DeliveryAttempt[];
}

const LOG_KEEP = 1000;

export class CallbackDispatcher {
  /** Copies not yet delivered nor given up (including scheduled retries). */
  pending = 0;
  readonly log: DeliveryAttempt[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private idleWaiters: (() => void)[] = [];
  private closed = false;

  constructor(
    private readonly target: () => SandboxCallbackTarget,
    private readonly faults: () => CallbackFaults,
    private readonly random: Random,
    private readonly stats: () => SandboxStats,
  ) {}

  /** Sends the callback(s) for a submission's current state; `wait` awaits the first attempts. */
  async dispatch(sub: SandboxSubmission, wait = true): Promise<DispatchReport> {
    if (sub.status === 'IN_PROGRESS') return { sent: false, reason: 'polling-only', attempts: [] };
    const target = { ...this.target() };
    if (!target.callbackUrl) return { sent: false, reason: 'no-callback-url', attempts: [] };
    const f = structuredClone(this.faults());
    if (f.dropRate > 0 && this.random() < f.dropRate) {
      this.stats().callbacks.dropped++;
      return { sent: false, reason: 'dropped', attempts: [] };
    }
    const bodies: CallbackPayload[] = [callbackBody(sub) as unknown as CallbackPayload];
    if (sub.status === 'COMPLETED' && f.reorderRate > 0 && this.random() < f.reorderRate) {
      // What the provider warns about: an older PARTIALLY_COMPLETED arriving after COMPLETED.
      bodies.push(
        callbackBody({
          ...sub,
          status: 'PARTIALLY_COMPLETED',
          result: undefined,
          reasonCode: null,
          verificationResult: undefined,
        }) as unknown as CallbackPayload,
      );
    }
    return this.deliver(bodies, target, f, wait);
  }

  /** Sends any body (a signing callback) with the same target, faults and retries. */
  async dispatchBody(body: CallbackPayload, wait = true): Promise<DispatchReport> {
    const target = { ...this.target() };
    if (!target.callbackUrl) return { sent: false, reason: 'no-callback-url', attempts: [] };
    return this.deliver([body], target, structuredClone(this.faults()), wait);
  }

  private async deliver(
    bodies: CallbackPayload[],
    target: SandboxCallbackTarget,
    f: CallbackFaults,
    wait: boolean,
  ): Promise<DispatchReport> {
    const copies = bodies.flatMap((body) =>
      Array.from({ length: f.duplicates }, (_, i) => ({ body, copy: i + 1 })),
    );
    this.pending += copies.length;
    const run = async () => {
      const firsts: DeliveryAttempt[] = [];
      for (const c of copies) firsts.push(await this.attempt(c.body, c.copy, 1, target, f));
      return firsts;
    };
    if (f.delayMs > 0) {
      this.later(f.delayMs, () => void run());
      return { sent: true, reason: 'delayed', attempts: [] };
    }
    const done = run();
    if (!wait) {
      done.catch(() => undefined);
      return { sent: true, reason: 'not-waited', attempts: [] };
    }
    return { sent: true, attempts: await done };
  }

  /** Resolves true once nothing is pending, false after `timeoutMs`. */
  waitIdle(timeoutMs: number): Promise<boolean> {
    if (this.pending === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((w) => w !== onIdle);
        resolve(false);
      }, timeoutMs);
      const onIdle = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.idleWaiters.push(onIdle);
    });
  }

  /** Cancels scheduled deliveries and retries (reset and shutdown). */
  cancelAll(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.pending = 0;
    this.log.length = 0;
    this.notifyIdle();
  }

  close(): void {
    this.closed = true;
    this.cancelAll();
  }

  private async attempt(
    body: CallbackPayload,
    copy: number,
    attempt: number,
    target: SandboxCallbackTarget,
    f: CallbackFaults,
  ): Promise<DeliveryAttempt> {
    const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
    const record: DeliveryAttempt = {
      at: new Date().toISOString(),
      partnerSessionId: text(body.partnerSessionId),
      submissionId: text(body.submissionId),
      status: text(body.status),
      ...(typeof body.callbackType === 'string' ? { callbackType: body.callbackType } : {}),
      copy,
      attempt,
      ok: false,
    };
    const stats = this.stats();
    stats.callbacks.attempts++;
    try {
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'user-agent': 'onekyc-sandbox-callback/1',
      };
      if (target.callbackAuthValue !== undefined)
        headers[target.callbackAuthHeader] = target.callbackAuthValue;
      const res = await fetch(target.callbackUrl!, {
        method: target.callbackMethod,
        headers,
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(f.timeoutMs),
      });
      await res.arrayBuffer().catch(() => undefined); // frees the connection for reuse
      record.httpStatus = res.status;
      record.ok = res.status >= 200 && res.status < 300;
    } catch (err) {
      record.error =
        (err as Error)?.name === 'TimeoutError' ? 'timeout' : String((err as Error)?.message ?? err);
    }
    this.remember(record);
    if (this.closed) return record;
    if (record.ok) {
      stats.callbacks.delivered++;
      this.settle();
    } else {
      stats.callbacks.failed++;
      const delay = f.retryScheduleMs[attempt - 1];
      if (delay === undefined) {
        stats.callbacks.gaveUp++;
        this.settle();
      } else {
        stats.callbacks.retried++;
        this.later(delay, () => void this.attempt(body, copy, attempt + 1, target, f));
      }
    }
    return record;
  }

  private later(ms: number, fn: () => void): void {
    if (this.closed) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private settle(): void {
    this.pending = Math.max(0, this.pending - 1);
    if (this.pending === 0) this.notifyIdle();
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private remember(record: DeliveryAttempt): void {
    this.log.push(record);
    if (this.log.length > LOG_KEEP) this.log.splice(0, this.log.length - LOG_KEEP);
  }
}
