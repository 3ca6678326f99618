// Builds the real OneKycModule (the client and its partner-token cache) on a validated test configuration,
// without a database or an HTTP server of our own: only the provider (a sandbox) is spoken to.
import { LoggerService } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { register } from 'prom-client';
import { buildConfig } from '../../src/config/app-config.js';
import { AppConfigModule } from '../../src/config/config.module.js';
import {
  ONEKYC_CLIENT_OPTIONS,
  OneKycClient,
  OneKycClientOverrides,
} from '../../src/onekyc/onekyc.client.js';
import { OneKycModule } from '../../src/onekyc/onekyc.module.js';
import type { PartnerTokenCache } from '../../src/onekyc/partner-token.cache.js';
import { testEnv } from '../support/app.js';

export interface TestClient {
  client: OneKycClient;
  tokens: PartnerTokenCache;
  close(): Promise<void>;
}

export async function buildClient(
  sandboxUrl: string,
  env: Record<string, string | undefined> = {},
  options: OneKycClientOverrides = {},
  logger: LoggerService | false = false,
): Promise<TestClient> {
  const config = buildConfig(testEnv({ ONEKYC_API_BASE_URL: sandboxUrl, ...env }), {
    databaseUrl: 'postgres://unused',
  });
  const moduleRef = await Test.createTestingModule({
    imports: [AppConfigModule.forRoot(config), OneKycModule],
  })
    .overrideProvider(ONEKYC_CLIENT_OPTIONS)
    .useValue(options)
    .compile();
  moduleRef.useLogger(logger);
  await moduleRef.init();
  const client = moduleRef.get(OneKycClient);
  return {
    client,
    tokens: client.tokens,
    close: () => moduleRef.close(),
  };
}

/** A counter's or gauge's value for the given labels (summed), from the process-wide registry /metrics serves. */
export async function metricValue(name: string, labels: Record<string, string>): Promise<number> {
  const metric = register.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  return values
    .filter((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val))
    .reduce((sum, v) => sum + v.value, 0);
}

/** A Nest logger that keeps every line (messages and their objects) for leak checks. */
export function capturingLogger(): LoggerService & { lines: string[] } {
  const lines: string[] = [];
  const keep = (...args: unknown[]) => {
    lines.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
  };
  return { lines, log: keep, error: keep, warn: keep, debug: keep, verbose: keep, fatal: keep };
}
