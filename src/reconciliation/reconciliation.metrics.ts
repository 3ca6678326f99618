// Prometheus metrics of the reconciliation job (its run counts are src/jobs/job-runs.ts's). Every label value is created at 0
// up front so rate() and alerts work before the first event.
import { Injectable } from '@nestjs/common';
import { InjectMetric, makeCounterProvider, makeGaugeProvider } from '@willsoto/nestjs-prometheus';
import type { Counter, Gauge } from 'prom-client';

export const RECONCILE_POLLS_TOTAL = 'onekyc_reconcile_polls_total';
export const RECONCILE_SETTLED_TOTAL = 'onekyc_reconcile_settled_total';
export const PENDING_SUBMISSIONS = 'onekyc_pending_submissions';
export const OLDEST_PENDING_AGE = 'onekyc_oldest_pending_submission_age_seconds';

export const POLL_OUTCOMES = [
  /** The answer changed the submission. */
  'updated',
  /** The answer was already known (duplicate, stale or conflicting: recorded, not applied). */
  'unchanged',
  /** 404 1514/1518: the user has not finished capture. */
  'not_found',
  /** The user's current submission is another of our sessions: applied there. */
  'other_session',
  /** The user's current submission belongs to no session of ours: recorded. */
  'foreign',
  /** The answer names another user than the session's (or none): recorded, flagged, not applied. */
  'user_conflict',
  /** The answer could not be stored as it is: recorded. */
  'invalid',
  /** The call failed (provider error, timeout, refusal). */
  'failed',
  /** The call was not sent (our rate limit or the circuit breaker): due again soon. */
  'deferred',
] as const;
export type PollOutcome = (typeof POLL_OUTCOMES)[number];

export const SETTLED_STATUSES = ['EXPIRED', 'INITIATION_FAILED'] as const;

export const reconciliationMetricProviders = [
  makeCounterProvider({
    name: RECONCILE_POLLS_TOTAL,
    help: 'Submissions polled with Get Submission Details by reconciliation, by outcome',
    labelNames: ['outcome'],
  }),
  makeCounterProvider({
    name: RECONCILE_SETTLED_TOTAL,
    help: 'Pending submissions settled by the clock (EXPIRED, INITIATION_FAILED)',
    labelNames: ['status'],
  }),
  makeGaugeProvider({
    name: PENDING_SUBMISSIONS,
    help: 'Submissions not yet terminal (as of the last reconciliation run on this instance)',
  }),
  makeGaugeProvider({
    name: OLDEST_PENDING_AGE,
    help: 'Age in seconds of the oldest submission not yet terminal (as of the last reconciliation run; 0 when none)',
  }),
];

@Injectable()
export class ReconciliationMetrics {
  constructor(
    @InjectMetric(RECONCILE_POLLS_TOTAL) private readonly polls: Counter<string>,
    @InjectMetric(RECONCILE_SETTLED_TOTAL) private readonly settledCounter: Counter<string>,
    @InjectMetric(PENDING_SUBMISSIONS) private readonly pending: Gauge<string>,
    @InjectMetric(OLDEST_PENDING_AGE) private readonly oldestAge: Gauge<string>,
  ) {
    for (const outcome of POLL_OUTCOMES) polls.inc({ outcome }, 0);
    for (const status of SETTLED_STATUSES) settledCounter.inc({ status }, 0);
  }

  polled(outcome: PollOutcome): void {
    this.polls.inc({ outcome });
  }

  settled(status: (typeof SETTLED_STATUSES)[number], n: number): void {
    if (n > 0) this.settledCounter.inc({ status }, n);
  }

  pendingSummary(pending: number, oldestPendingAgeSeconds: number | null): void {
    this.pending.set(pending);
    this.oldestAge.set(oldestPendingAgeSeconds ?? 0);
  }
}
