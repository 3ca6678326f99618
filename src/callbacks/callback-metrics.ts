// Prometheus metrics of callback ingestion. Label children are bound once so the hot path does
// no label hashing.
import { Injectable } from '@nestjs/common';
import { InjectMetric, makeCounterProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';
import type { Counter, Histogram } from 'prom-client';

export const CALLBACKS_TOTAL = 'onekyc_callbacks_total';
export const CALLBACK_COMMIT_SECONDS = 'onekyc_callback_commit_seconds';

export const CALLBACK_OUTCOMES = [
  'applied',
  'duplicate',
  'stale',
  'conflict',
  /** A result about another user, or naming none: stored, flagged, never applied. */
  'user_conflict',
  /** A COMPLETED without a result: recorded, not final; reconciliation polls for the details. */
  'incomplete',
  'unknown',
  /** A signing callback (`callbackType`): kept and flagged, never a KYC result. */
  'signing',
  'rejected_auth',
  'rejected_ip',
  'invalid',
  /** A body that is not application/json: 415. */
  'rejected_media_type',
  /** The store failed (database down, commit refused): answered 5xx, the provider retries. */
  'error',
] as const;
export type CallbackOutcome = (typeof CALLBACK_OUTCOMES)[number];

export const callbackMetricProviders = [
  makeCounterProvider({
    name: CALLBACKS_TOTAL,
    help: 'Provider result callbacks received, by outcome',
    labelNames: ['outcome'],
  }),
  makeHistogramProvider({
    name: CALLBACK_COMMIT_SECONDS,
    help: 'Time from receipt of a provider callback to the commit of its event and effect, in seconds',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  }),
];

@Injectable()
export class CallbackMetrics {
  private readonly byOutcome: Record<CallbackOutcome, { inc(): void }>;

  constructor(
    @InjectMetric(CALLBACKS_TOTAL) counter: Counter<string>,
    @InjectMetric(CALLBACK_COMMIT_SECONDS) private readonly commitSeconds: Histogram<string>,
  ) {
    // Every outcome appears (at 0) from the start, so rate() and alerts work before the first one.
    this.byOutcome = Object.fromEntries(
      CALLBACK_OUTCOMES.map((o) => {
        const child = counter.labels(o);
        child.inc(0);
        return [o, child];
      }),
    ) as Record<CallbackOutcome, { inc(): void }>;
  }

  count(outcome: CallbackOutcome): void {
    this.byOutcome[outcome].inc();
  }

  /** `elapsedMs`: since the request was received (Fastify's `reply.elapsedTime`). */
  committed(elapsedMs: number): void {
    this.commitSeconds.observe(elapsedMs / 1000);
  }
}
