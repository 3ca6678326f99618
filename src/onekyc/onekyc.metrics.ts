// Prometheus metrics of the provider client (registered through @willsoto/nestjs-prometheus so
// they appear on /metrics). Grouped in one injectable so the client takes a single dependency and
// tests can build it on a private registry.
import { Injectable } from '@nestjs/common';
import {
  InjectMetric,
  makeCounterProvider,
  makeGaugeProvider,
  makeHistogramProvider,
} from '@willsoto/nestjs-prometheus';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export const PROVIDER_REQUESTS = 'onekyc_provider_requests_total';
export const PROVIDER_DURATION = 'onekyc_provider_request_duration_seconds';
export const BREAKER_STATE = 'onekyc_circuit_breaker_state';
export const RATE_LIMIT_WAIT = 'onekyc_rate_limit_wait_seconds';
export const TOKEN_FETCHES = 'onekyc_token_fetches_total';

const requests = {
  name: PROVIDER_REQUESTS,
  help: 'Provider HTTP calls (each attempt), by operation and outcome (success or the error kind)',
  labelNames: ['operation', 'outcome'],
};
const duration = {
  name: PROVIDER_DURATION,
  help: 'Provider HTTP call duration in seconds (each attempt), by operation and outcome',
  labelNames: ['operation', 'outcome'],
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
};
const breaker = {
  name: BREAKER_STATE,
  help: 'Circuit breaker state per provider host: 0 closed, 1 open, 2 half-open, 3 isolated',
  labelNames: ['host'],
};
const rateWait = {
  name: RATE_LIMIT_WAIT,
  help: 'Time provider calls waited for a slot of the per-instance rate limit, by priority',
  labelNames: ['priority'],
  buckets: [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
};
const tokens = {
  name: TOKEN_FETCHES,
  help: 'Partner token fetches (after retries), by outcome: success or the error kind',
  labelNames: ['outcome'],
};

export const oneKycMetricProviders = [
  makeCounterProvider(requests),
  makeHistogramProvider(duration),
  makeGaugeProvider(breaker),
  makeHistogramProvider(rateWait),
  makeCounterProvider(tokens),
];

@Injectable()
export class OneKycMetrics {
  constructor(
    @InjectMetric(PROVIDER_REQUESTS) readonly requests: Counter<string>,
    @InjectMetric(PROVIDER_DURATION) readonly duration: Histogram<string>,
    @InjectMetric(BREAKER_STATE) readonly breakerState: Gauge<string>,
    @InjectMetric(RATE_LIMIT_WAIT) readonly rateLimitWait: Histogram<string>,
    @InjectMetric(TOKEN_FETCHES) readonly tokenFetches: Counter<string>,
  ) {}

  /** The same metrics on a private registry (tests and scripts that build the client by hand). */
  static create(registry = new Registry()): OneKycMetrics {
    return new OneKycMetrics(
      new Counter({ ...requests, registers: [registry] }),
      new Histogram({ ...duration, registers: [registry] }),
      new Gauge({ ...breaker, registers: [registry] }),
      new Histogram({ ...rateWait, registers: [registry] }),
      new Counter({ ...tokens, registers: [registry] }),
    );
  }
}
