import { Module } from '@nestjs/common';
import { ConfigurationAlarm, configurationAlarmMetricProviders } from './configuration-alarm.service.js';
import { ONEKYC_CLIENT_OPTIONS, OneKycClient } from './onekyc.client.js';
import { OneKycMetrics, oneKycMetricProviders } from './onekyc.metrics.js';
import { providerCallBudgetStore } from './provider-call-budget.repository.js';

/**
 * The provider client. Needs AppConfig (global) and the metrics registry (MetricsModule, global);
 * tune retries/breaker/limits by providing ONEKYC_CLIENT_OPTIONS (tests do).
 */
@Module({
  providers: [
    ...oneKycMetricProviders,
    OneKycMetrics,
    ...configurationAlarmMetricProviders,
    ConfigurationAlarm,
    { provide: ONEKYC_CLIENT_OPTIONS, useValue: {} },
    providerCallBudgetStore,
    OneKycClient,
  ],
  exports: [OneKycClient, ConfigurationAlarm],
})
export class OneKycModule {}
