// The start-up step: resolves the values that exist only once something runs (the embedded
// PostgreSQL when DATABASE_URL is unset, the in-process provider sandbox when
// ONEKYC_API_BASE_URL is unset, the development PII key kept under DATA_DIR). Runs after
// `checkConfig` has accepted the environment and before `buildConfig` turns both into the
// configuration; what it starts it hands back as cleanups, to be run last and in reverse.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  onboardingPartnersFrom,
  parsePiiKeys,
  PiiKey,
  RuntimeOverrides,
  SANDBOX_CALLBACK_SECRET,
  SANDBOX_CLIENT_ID,
  SANDBOX_PASS_KEY,
} from './config/app-config.js';
import type { EnvironmentVariables } from './config/environment.js';

export interface StartedRuntime {
  runtime: RuntimeOverrides;
  /** True when the embedded PostgreSQL was started for this process. */
  embeddedDatabase: boolean;
  /** Stops what was started, newest first. */
  cleanups: (() => Promise<void>)[];
}

/** The development PII key under DATA_DIR, created (mode 0600) when `create` and absent. */
export function loadDevPiiKey(dataDir: string, { create }: { create: boolean }): PiiKey | undefined {
  const file = join(dataDir, 'pii-dev-key');
  if (existsSync(file)) return parsePiiKeys(readFileSync(file, 'utf8').trim())[0];
  if (!create) return undefined;
  mkdirSync(dataDir, { recursive: true });
  const line = `dev1:${randomBytes(32).toString('base64')}`;
  writeFileSync(file, line + '\n', { mode: 0o600 });
  return parsePiiKeys(line)[0];
}

/**
 * Starts what the environment leaves to this process. `cleanups` receives each stop as soon as
 * its part is up (so a failure half-way still stops the first part).
 */
export async function startRuntime(
  env: EnvironmentVariables,
  cleanups: (() => Promise<void>)[],
  processEnv: NodeJS.ProcessEnv = process.env,
): Promise<Omit<StartedRuntime, 'cleanups'>> {
  const dataDir = resolve(env.DATA_DIR ?? '.data');
  const runtime: RuntimeOverrides = {};
  let embeddedDatabase = false;
  if (!env.DATABASE_URL) {
    // Loaded only when used: a deployment (DATABASE_URL and ONEKYC_API_BASE_URL set) never loads
    // the embedded database or the sandbox.
    const { startEmbeddedPostgres } = await import('./database/embedded-postgres.js');
    const database = await startEmbeddedPostgres(join(dataDir, 'pg'));
    cleanups.unshift(() => database.stop());
    runtime.databaseUrl = database.url;
    embeddedDatabase = true;
  }
  if (!env.ONEKYC_API_BASE_URL) {
    const { startSandboxOnPreferredPort } = await import('./sandbox/sandbox-port.js');
    // The sandbox accepts exactly the values the service will send, per source.
    const partners = onboardingPartnersFrom(env);
    const sandbox = await startSandboxOnPreferredPort({
      port: env.SANDBOX_PORT, // unset: 4010, or a free port with a line saying so when 4010 is taken
      host: '127.0.0.1',
      clientId: env.ONEKYC_CLIENT_ID ?? SANDBOX_CLIENT_ID,
      passKey: env.ONEKYC_PASS_KEY ?? SANDBOX_PASS_KEY,
      onboardingPartner: partners.SDK,
      onboardingPartners: partners,
      callbackUrl: `http://127.0.0.1:${env.PORT ?? 3000}/v1/callbacks/onekyc`,
      callbackMethod: 'POST',
      callbackAuthHeader: env.CALLBACK_AUTH_HEADER ?? 'authorization',
      callbackAuthValue: (env.CALLBACK_AUTH_VALUES ?? SANDBOX_CALLBACK_SECRET).split(',')[0].trim(),
      env: processEnv,
    });
    cleanups.unshift(() => sandbox.close());
    runtime.sandboxBaseUrl = sandbox.url;
  }
  if (!env.PII_ENCRYPTION_KEYS && env.NODE_ENV !== 'production') {
    runtime.devPiiKey = loadDevPiiKey(dataDir, { create: true });
  }
  return { runtime, embeddedDatabase };
}
