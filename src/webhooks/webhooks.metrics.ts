// Partner webhooks' Prometheus metrics: attempts by outcome and their latency, endpoints
// disabled for failing, and the queue (pending deliveries, age of the oldest: what to alert on).
// Every label value exists at 0 from the start so rate() and alerts work before the first event.
import { Injectable } from '@nestjs/common';
import {
  InjectMetric,
  makeCounterProvider,
  makeGaugeProvider,
  makeHistogramProvider,
} from '@willsoto/nestjs-prometheus';
import type { Counter, Gauge, Histogram } from 'prom-client';
import type { AttemptOutcome } from './webhook-sender.js';

export const WEBHOOK_ATTEMPTS_TOTAL = 'onekyc_webhook_attempts_total';
export const WEBHOOK_DELIVERIES_TOTAL = 'onekyc_webhook_deliveries_total';
export const WEBHOOK_ATTEMPT_DURATION = 'onekyc_webhook_attempt_duration_seconds';
export const WEBHOOK_ENDPOINTS_DISABLED_TOTAL = 'onekyc_webhook_endpoints_disabled_total';
export const WEBHOOK_PENDING = 'onekyc_webhook_pending_deliveries';
export const WEBHOOK_OLDEST_PENDING_AGE = 'onekyc_webhook_oldest_pending_age_seconds';

const ATTEMPT_KINDS: AttemptOutcome['kind'][] = ['success', 'http_error', 'timeout', 'refused', 'network'];
/** Final outcomes of deliveries: `retrying` counts failed attempts that will be tried again. */
const DELIVERY_OUTCOMES = ['succeeded', 'retrying', 'failed'] as const;
export type DeliveryOutcome = (typeof DELIVERY_OUTCOMES)[number];

export const webhookMetricProviders = [
  makeCounterProvider({
    name: WEBHOOK_ATTEMPTS_TOTAL,
    help: 'Webhook delivery attempts, by outcome (success, http_error, timeout, refused, network)',
    labelNames: ['outcome'],
  }),
  makeCounterProvider({
    name: WEBHOOK_DELIVERIES_TOTAL,
    help: 'Webhook deliveries by result of their latest attempt: succeeded, retrying (will be tried again), failed (gave up)',
    labelNames: ['outcome'],
  }),
  makeHistogramProvider({
    name: WEBHOOK_ATTEMPT_DURATION,
    help: 'Duration of webhook delivery attempts in seconds (until the answer or the failure)',
    labelNames: ['outcome'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  }),
  makeCounterProvider({
    name: WEBHOOK_ENDPOINTS_DISABLED_TOTAL,
    help: 'Webhook endpoints disabled after failing with no success for 5 days',
  }),
  makeGaugeProvider({
    name: WEBHOOK_PENDING,
    help: 'Webhook deliveries waiting to be delivered to enabled endpoints (as of the last check on this instance, every 10 s)',
  }),
  makeGaugeProvider({
    name: WEBHOOK_OLDEST_PENDING_AGE,
    help: 'Age in seconds of the oldest webhook delivery still pending for an enabled endpoint (0 when none)',
  }),
];

@Injectable()
export class WebhooksMetrics {
  constructor(
    @InjectMetric(WEBHOOK_ATTEMPTS_TOTAL) private readonly attempts: Counter<string>,
    @InjectMetric(WEBHOOK_DELIVERIES_TOTAL) private readonly deliveries: Counter<string>,
    @InjectMetric(WEBHOOK_ATTEMPT_DURATION) private readonly duration: Histogram<string>,
    @InjectMetric(WEBHOOK_ENDPOINTS_DISABLED_TOTAL) private readonly disabled: Counter<string>,
    @InjectMetric(WEBHOOK_PENDING) private readonly pending: Gauge<string>,
    @InjectMetric(WEBHOOK_OLDEST_PENDING_AGE) private readonly oldestAge: Gauge<string>,
  ) {
    for (const outcome of ATTEMPT_KINDS) attempts.inc({ outcome }, 0);
    for (const outcome of DELIVERY_OUTCOMES) deliveries.inc({ outcome }, 0);
    disabled.inc(0);
  }

  attempted(o: AttemptOutcome, delivery: DeliveryOutcome): void {
    this.attempts.inc({ outcome: o.kind });
    this.duration.observe({ outcome: o.kind }, o.durationMs / 1000);
    this.deliveries.inc({ outcome: delivery });
  }

  endpointDisabled(): void {
    this.disabled.inc();
  }

  queue(pending: number, oldestAgeSeconds: number): void {
    this.pending.set(pending);
    this.oldestAge.set(oldestAgeSeconds);
  }
}
