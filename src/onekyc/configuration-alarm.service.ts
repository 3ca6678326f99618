// Loud, not retried: when the provider refuses our set-up (903 FORBIDDEN, 1550, an onboarding-
// partner value it does not issue to us), every later call would fail the same way until an
// operator fixes the configuration. The client reports such refusals here: an error log line (once
// per new refusal, never personal data), a metric, and a `degraded` detail on /health/ready (the
// instance stays ready: callbacks, the admin API and reads still work). A later success of the
// same operation clears it.
import { Injectable, Logger } from '@nestjs/common';
import { InjectMetric, makeCounterProvider, makeGaugeProvider } from '@willsoto/nestjs-prometheus';
import { Counter, Gauge, Registry } from 'prom-client';
import type { OneKycException, OneKycOperation } from './onekyc.exception.js';

export const CONFIGURATION_ERRORS = 'onekyc_configuration_errors_total';
export const CONFIGURATION_ERROR_ACTIVE = 'onekyc_configuration_error';

const counter = {
  name: CONFIGURATION_ERRORS,
  help: 'Provider answers that refuse our configuration (903, 1550, onboarding partner), by operation, code and cause',
  labelNames: ['operation', 'code', 'cause'],
};
const gauge = {
  name: CONFIGURATION_ERROR_ACTIVE,
  help: '1 while the last call of this operation was refused for configuration, else 0',
  labelNames: ['operation'],
};
export const configurationAlarmMetricProviders = [makeCounterProvider(counter), makeGaugeProvider(gauge)];

export interface ConfigurationProblem {
  operation: OneKycOperation;
  httpStatus?: number;
  code?: string;
  cause?: string;
  /** First refusal since the operation last worked (ISO). */
  since: string;
  /** Latest refusal (ISO). */
  lastAt: string;
  count: number;
}

@Injectable()
export class ConfigurationAlarm {
  private readonly logger = new Logger('OneKycConfiguration');
  private readonly active = new Map<OneKycOperation, ConfigurationProblem>();

  constructor(
    @InjectMetric(CONFIGURATION_ERRORS) private readonly errors: Counter<string>,
    @InjectMetric(CONFIGURATION_ERROR_ACTIVE) private readonly activeGauge: Gauge<string>,
  ) {}

  static create(registry = new Registry()): ConfigurationAlarm {
    return new ConfigurationAlarm(
      new Counter({ ...counter, registers: [registry] }),
      new Gauge({ ...gauge, registers: [registry] }),
    );
  }

  raise(err: OneKycException): void {
    const now = new Date().toISOString();
    const previous = this.active.get(err.operation);
    const same = previous && previous.code === err.code && previous.cause === err.providerCause;
    this.active.set(err.operation, {
      operation: err.operation,
      httpStatus: err.httpStatus,
      code: err.code,
      cause: err.providerCause,
      since: same ? previous.since : now,
      lastAt: now,
      count: same ? previous.count + 1 : 1,
    });
    this.errors.inc({ operation: err.operation, code: err.code ?? '', cause: err.providerCause ?? '' });
    this.activeGauge.set({ operation: err.operation }, 1);
    if (!same) {
      this.logger.error(
        { ...err.toLog() },
        'the provider refuses our configuration (credentials, onboarding-partner value or headers): ' +
          'not retried; fix the ONEKYC_* settings with the provider',
      );
    }
  }

  clear(operation: OneKycOperation): void {
    if (!this.active.delete(operation)) return;
    this.activeGauge.set({ operation }, 0);
    this.logger.log({ operation }, 'the provider accepts our configuration again');
  }

  /** The refusals still standing, oldest first (empty when all is well). */
  problems(): ConfigurationProblem[] {
    return [...this.active.values()].sort((a, b) => a.since.localeCompare(b.since));
  }
}
