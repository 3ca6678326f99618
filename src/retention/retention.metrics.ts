// Prometheus metrics of the retention job (its run counts are src/jobs/job-runs.ts's).
import { Injectable } from '@nestjs/common';
import { InjectMetric, makeCounterProvider } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';

export const RETENTION_REDACTED_TOTAL = 'onekyc_retention_redacted_total';

export const retentionMetricProviders = [
  makeCounterProvider({
    name: RETENTION_REDACTED_TOTAL,
    help: 'Submissions whose personal data the retention job erased',
  }),
];

@Injectable()
export class RetentionMetrics {
  constructor(@InjectMetric(RETENTION_REDACTED_TOTAL) private readonly redactedCounter: Counter<string>) {
    redactedCounter.inc(0); // present at 0 before the first erasure, for rate() and alerts
  }

  redacted(n: number): void {
    if (n > 0) this.redactedCounter.inc(n);
  }
}
