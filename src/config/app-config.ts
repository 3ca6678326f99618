// The one typed configuration object. Built once at start (main.ts, the TypeORM CLI data source
// and the tests all call `buildConfig`), then provided to Nest as `AppConfig`.
import { hkdfSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ipaddr from 'ipaddr.js';
import { ConfigValidationError, EnvironmentVariables, validateEnvironment } from './environment.js';
import { buildUserJwtConfig, UserJwtConfig } from './user-jwt.config.js';

export const SANDBOX_API_KEY = 'sandbox-api-key';
export const SANDBOX_ADMIN_KEY = 'sandbox-admin-key';
export const SANDBOX_CALLBACK_SECRET = 'Bearer sandbox-callback-secret';
export const SANDBOX_CLIENT_ID = '00000000-0000-4000-8000-00000000c11d';
export const SANDBOX_PASS_KEY = '00000000-0000-4000-8000-0000000055cc';
export const SANDBOX_ONBOARDING_PARTNER = 'SANDBOX_PARTNER-SDK-STANDALONE_IDENTITY_VERIFICATION';
export const SANDBOX_ONBOARDING_PARTNER_WEB_SDK = 'SANDBOX_PARTNER-WEB_SDK-STANDALONE_IDENTITY_VERIFICATION';

export type OneKycSource = 'SDK' | 'WEB_SDK';

export interface PiiKey {
  kid: string;
  key: Buffer;
}

export interface OneKycConfig {
  apiBaseUrl: string;
  tokenBaseUrl: string;
  clientId: string;
  passKey: string;
  /** The onboarding-partner value per source: the provider issues one per platform
   * (`PARTNER-PLATFORM-FLOW`). Both are ONEKYC_ONBOARDING_PARTNER unless set one by one. */
  onboardingPartners: Record<OneKycSource, string>;
  onboardingPartnerHeader: 'x-esign-onboarding-partner' | 'x-onboarding-partner';
  source: OneKycSource;
  timeoutMs: number;
  maxRps: number;
  /** Refresh the partner token this many seconds before `expires_at` (provider advice: 300). */
  tokenRefreshMarginSeconds: number;
}

export interface WebhooksConfig {
  /** WEBHOOK_URL/WEBHOOK_SECRET: one endpoint created at start when no endpoint has this URL. */
  initialEndpoint: { url: string; secret: string } | null;
  timeoutMs: number;
  /** Private, loopback and link-local targets allowed (and plain http); true in sandbox mode. */
  allowPrivateNetworks: boolean;
  concurrency: number;
  pollIntervalMs: number;
  /** Multiplies the retry schedule (1 in production; drills and tests shrink it). */
  retryScale: number;
}

export interface EvidenceConfig {
  /** EVIDENCE_STORE: where archived images go. */
  store: 'fs' | 's3';
  /** EVIDENCE_DIR (absolute): the `fs` store's folder. */
  dir: string;
  /** The `s3` store; null with `fs`. Credentials come from the AWS SDK's default chain. */
  s3: { bucket: string; region: string; endpoint?: string; forcePathStyle: boolean } | null;
  /** Downloads in flight per instance. */
  concurrency: number;
  pollIntervalMs: number;
  /** One download from start to last byte; a claimed download is leased a little longer. */
  downloadTimeoutMs: number;
}

/** `whsec_` + canonical base64 of at least 24 bytes: the Standard Webhooks secret format. */
export function isWebhookSecret(secret: string): boolean {
  if (!secret.startsWith('whsec_')) return false;
  const b64 = secret.slice('whsec_'.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || b64.length % 4 !== 0) return false;
  return Buffer.from(b64, 'base64').length >= 24;
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- the class is the DI token, the interface its shape
export interface AppConfig {
  nodeEnv: 'development' | 'production' | 'test';
  port: number;
  host: string;
  /** True when ONEKYC_API_BASE_URL is unset: the built-in sandbox plays the provider. */
  sandboxMode: boolean;
  dataDir: string;
  database: { url: string; poolSize: number };
  onekyc: OneKycConfig;
  apiKeys: string[];
  adminApiKeys: string[];
  /** Partner keys that may also read identity data (each one is a partner key too). */
  identityApiKeys: string[];
  /** End-user tokens from partner frontends; null when none are accepted. */
  userJwt: UserJwtConfig | null;
  apiRateLimitPerMinute: number;
  callback: { authHeader: string; authValues: string[]; allowedIps: string[]; trustProxy: boolean };
  reconcile: {
    enabled: boolean;
    cron: string;
    afterSeconds: number;
    expireAfterHours: number;
    batchSize: number;
    concurrency: number;
  };
  pii: { keys: PiiKey[]; blindIndexKey: Buffer; retentionDays: number; retentionCron: string };
  webhooks: WebhooksConfig;
  evidence: EvidenceConfig;
  docsEnabled: boolean;
  /** The operator console at /console and its sessions (POST /admin/session). */
  console: { enabled: boolean; sessionTtlSeconds: number; sessionMaxSeconds: number };
  log: { format: 'json' | 'pretty'; level: string };
  sandboxPort: number;
}

/** Values that exist only once the process has started things (embedded DB, in-process sandbox). */
export interface RuntimeOverrides {
  databaseUrl?: string;
  sandboxBaseUrl?: string;
}

const list = (v: string | undefined) =>
  (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);

/**
 * The onboarding-partner value for each source: the per-source variable, else the common one,
 * else (sandbox mode only: a real provider requires them) the sandbox's development values.
 */
export function onboardingPartnersFrom(
  e: Pick<
    EnvironmentVariables,
    'ONEKYC_ONBOARDING_PARTNER' | 'ONEKYC_ONBOARDING_PARTNER_SDK' | 'ONEKYC_ONBOARDING_PARTNER_WEB_SDK'
  >,
): Record<OneKycSource, string> {
  return {
    SDK: e.ONEKYC_ONBOARDING_PARTNER_SDK || e.ONEKYC_ONBOARDING_PARTNER || SANDBOX_ONBOARDING_PARTNER,
    WEB_SDK:
      e.ONEKYC_ONBOARDING_PARTNER_WEB_SDK ||
      e.ONEKYC_ONBOARDING_PARTNER ||
      SANDBOX_ONBOARDING_PARTNER_WEB_SDK,
  };
}

/** Nest injection token and type for the configuration (a class so it can be injected by type). */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export abstract class AppConfig {}

export function buildConfig(env: NodeJS.ProcessEnv, runtime: RuntimeOverrides = {}): AppConfig {
  const e: EnvironmentVariables = validateEnvironment(env);
  const problems: { variable: string; message: string }[] = [];
  const nodeEnv = (e.NODE_ENV ?? 'development') as AppConfig['nodeEnv'];
  const production = nodeEnv === 'production';
  const sandboxMode = !e.ONEKYC_API_BASE_URL;
  const dataDir = resolve(e.DATA_DIR ?? '.data');

  if (sandboxMode && production) {
    problems.push({
      variable: 'ONEKYC_API_BASE_URL',
      message: 'required with NODE_ENV=production (sandbox mode is for development only)',
    });
  }
  const requireIf = (cond: boolean, name: keyof EnvironmentVariables, why: string) => {
    const v = e[name];
    if (cond && (v === undefined || (typeof v === 'string' && list(v).length === 0))) {
      problems.push({ variable: name, message: `required ${why}` });
    }
  };
  const realProvider = !sandboxMode;
  requireIf(realProvider, 'ONEKYC_CLIENT_ID', 'with a real provider (ONEKYC_API_BASE_URL is set)');
  requireIf(realProvider, 'ONEKYC_PASS_KEY', 'with a real provider (ONEKYC_API_BASE_URL is set)');
  if (!(e.ONEKYC_ONBOARDING_PARTNER_SDK && e.ONEKYC_ONBOARDING_PARTNER_WEB_SDK)) {
    requireIf(
      realProvider,
      'ONEKYC_ONBOARDING_PARTNER',
      'with a real provider (ONEKYC_API_BASE_URL is set) unless ONEKYC_ONBOARDING_PARTNER_SDK and ONEKYC_ONBOARDING_PARTNER_WEB_SDK are both set',
    );
  }
  requireIf(realProvider, 'API_KEYS', 'outside sandbox mode');
  requireIf(realProvider, 'ADMIN_API_KEYS', 'outside sandbox mode');
  requireIf(realProvider, 'CALLBACK_AUTH_VALUES', 'outside sandbox mode');
  requireIf(production, 'PII_ENCRYPTION_KEYS', 'with NODE_ENV=production');

  let piiKeys: PiiKey[] = [];
  if (e.PII_ENCRYPTION_KEYS) {
    try {
      piiKeys = parsePiiKeys(e.PII_ENCRYPTION_KEYS);
    } catch (err) {
      problems.push({ variable: 'PII_ENCRYPTION_KEYS', message: (err as Error).message });
    }
  }
  let blindIndexKey: Buffer | undefined;
  if (e.PII_BLIND_INDEX_KEY) {
    blindIndexKey = Buffer.from(e.PII_BLIND_INDEX_KEY, 'base64');
    if (blindIndexKey.length < 32) {
      problems.push({ variable: 'PII_BLIND_INDEX_KEY', message: 'must be at least 32 bytes, base64' });
    }
  }

  const apiKeys = list(e.API_KEYS);
  const adminApiKeys = list(e.ADMIN_API_KEYS);
  if (apiKeys.some((k) => adminApiKeys.includes(k))) {
    problems.push({ variable: 'ADMIN_API_KEYS', message: 'must not share a key with API_KEYS' });
  }
  const identityApiKeys = list(e.IDENTITY_API_KEYS);
  if (identityApiKeys.some((k) => adminApiKeys.includes(k))) {
    problems.push({ variable: 'IDENTITY_API_KEYS', message: 'must not share a key with ADMIN_API_KEYS' });
  }
  const userJwt = buildUserJwtConfig(e, problems, production);
  const cron = e.RECONCILE_CRON ?? '0 * * * * *';
  if (!isCronExpression(cron)) {
    problems.push({ variable: 'RECONCILE_CRON', message: `not a cron expression (5 or 6 fields): ${cron}` });
  }
  const retentionCron = e.PII_RETENTION_CRON ?? '0 30 3 * * *';
  if (!isCronExpression(retentionCron)) {
    problems.push({ variable: 'PII_RETENTION_CRON', message: `not a cron expression: ${retentionCron}` });
  }
  const allowedIps = list(e.CALLBACK_ALLOWED_IPS);
  for (const cidr of allowedIps) {
    if (!isCidrOrIp(cidr))
      problems.push({ variable: 'CALLBACK_ALLOWED_IPS', message: `not an IP or CIDR: ${cidr}` });
  }

  if (e.WEBHOOK_URL && !e.WEBHOOK_SECRET) {
    problems.push({ variable: 'WEBHOOK_SECRET', message: 'required with WEBHOOK_URL' });
  }
  if (e.WEBHOOK_SECRET && !e.WEBHOOK_URL) {
    problems.push({ variable: 'WEBHOOK_URL', message: 'required with WEBHOOK_SECRET' });
  }
  if (e.WEBHOOK_SECRET && !isWebhookSecret(e.WEBHOOK_SECRET)) {
    problems.push({
      variable: 'WEBHOOK_SECRET',
      message: 'must be whsec_ followed by base64 of at least 24 bytes',
    });
  }

  const evidenceStore = (e.EVIDENCE_STORE ?? 'fs') as EvidenceConfig['store'];
  if (evidenceStore === 's3') {
    if (!e.EVIDENCE_S3_BUCKET)
      problems.push({ variable: 'EVIDENCE_S3_BUCKET', message: 'required with EVIDENCE_STORE=s3' });
    if (!e.EVIDENCE_S3_REGION)
      problems.push({ variable: 'EVIDENCE_S3_REGION', message: 'required with EVIDENCE_STORE=s3' });
  }

  const databaseUrl = runtime.databaseUrl ?? e.DATABASE_URL;
  if (!databaseUrl) {
    problems.push({
      variable: 'DATABASE_URL',
      message: 'required (npm start provides an embedded PostgreSQL)',
    });
  }
  if (sandboxMode && !runtime.sandboxBaseUrl && !e.ONEKYC_API_BASE_URL) {
    // The caller (main.ts) starts the sandbox first; reaching here without it is a wiring bug.
    problems.push({
      variable: 'ONEKYC_API_BASE_URL',
      message: 'unset and no in-process sandbox was started',
    });
  }
  if (problems.length > 0) throw new ConfigValidationError(problems);

  if (piiKeys.length === 0) piiKeys = [loadOrCreateDevKey(dataDir)];
  const apiBaseUrl = stripSlash(e.ONEKYC_API_BASE_URL ?? runtime.sandboxBaseUrl!);

  const config = {
    nodeEnv,
    port: e.PORT ?? 3000,
    host: e.HOST ?? '0.0.0.0',
    sandboxMode,
    dataDir,
    database: { url: databaseUrl!, poolSize: e.DATABASE_POOL_SIZE ?? 20 },
    onekyc: {
      apiBaseUrl,
      tokenBaseUrl: stripSlash(e.ONEKYC_TOKEN_BASE_URL ?? apiBaseUrl),
      clientId: e.ONEKYC_CLIENT_ID ?? SANDBOX_CLIENT_ID,
      passKey: e.ONEKYC_PASS_KEY ?? SANDBOX_PASS_KEY,
      onboardingPartners: onboardingPartnersFrom(e),
      onboardingPartnerHeader: (e.ONEKYC_ONBOARDING_PARTNER_HEADER ??
        'x-esign-onboarding-partner') as OneKycConfig['onboardingPartnerHeader'],
      source: (e.ONEKYC_SOURCE ?? 'SDK') as OneKycSource,
      timeoutMs: e.ONEKYC_TIMEOUT_MS ?? 10000,
      maxRps: e.ONEKYC_MAX_RPS ?? 20,
      tokenRefreshMarginSeconds: e.ONEKYC_TOKEN_REFRESH_MARGIN_SECONDS ?? 300,
    },
    apiKeys: apiKeys.length ? apiKeys : [SANDBOX_API_KEY],
    adminApiKeys: adminApiKeys.length ? adminApiKeys : [SANDBOX_ADMIN_KEY],
    identityApiKeys,
    userJwt,
    apiRateLimitPerMinute: e.API_RATE_LIMIT_PER_MINUTE ?? 600,
    callback: {
      authHeader: (e.CALLBACK_AUTH_HEADER ?? 'authorization').toLowerCase(),
      authValues: list(e.CALLBACK_AUTH_VALUES).length
        ? list(e.CALLBACK_AUTH_VALUES)
        : [SANDBOX_CALLBACK_SECRET],
      allowedIps,
      trustProxy: e.TRUST_PROXY ?? false,
    },
    reconcile: {
      enabled: e.RECONCILE_ENABLED ?? true,
      cron,
      afterSeconds: e.RECONCILE_AFTER_SECONDS ?? 600,
      expireAfterHours: e.SUBMISSION_EXPIRE_AFTER_HOURS ?? 168,
      batchSize: e.RECONCILE_BATCH_SIZE ?? 200,
      concurrency: e.RECONCILE_CONCURRENCY ?? 8,
    },
    pii: {
      keys: piiKeys,
      blindIndexKey: blindIndexKey ?? deriveBlindIndexKey(piiKeys[piiKeys.length - 1]),
      retentionDays: e.PII_RETENTION_DAYS ?? 365,
      retentionCron,
    },
    webhooks: {
      initialEndpoint:
        e.WEBHOOK_URL && e.WEBHOOK_SECRET ? { url: e.WEBHOOK_URL, secret: e.WEBHOOK_SECRET } : null,
      timeoutMs: e.WEBHOOK_TIMEOUT_MS ?? 10000,
      allowPrivateNetworks: e.WEBHOOK_ALLOW_PRIVATE_NETWORKS ?? sandboxMode,
      concurrency: e.WEBHOOK_CONCURRENCY ?? 16,
      pollIntervalMs: e.WEBHOOK_POLL_INTERVAL_MS ?? 1000,
      retryScale: e.WEBHOOK_RETRY_SCALE ?? 1,
    },
    evidence: {
      store: evidenceStore,
      dir: resolve(e.EVIDENCE_DIR ?? join(dataDir, 'evidence')),
      s3:
        evidenceStore === 's3'
          ? {
              bucket: e.EVIDENCE_S3_BUCKET!,
              region: e.EVIDENCE_S3_REGION!,
              ...(e.EVIDENCE_S3_ENDPOINT ? { endpoint: stripSlash(e.EVIDENCE_S3_ENDPOINT) } : {}),
              forcePathStyle: e.EVIDENCE_S3_FORCE_PATH_STYLE ?? false,
            }
          : null,
      concurrency: e.EVIDENCE_CONCURRENCY ?? 4,
      pollIntervalMs: e.EVIDENCE_POLL_INTERVAL_MS ?? 1000,
      downloadTimeoutMs: e.EVIDENCE_DOWNLOAD_TIMEOUT_MS ?? 30000,
    },
    docsEnabled: e.DOCS_ENABLED ?? true,
    console: {
      enabled: e.CONSOLE_ENABLED ?? true,
      sessionTtlSeconds: e.CONSOLE_SESSION_TTL_SECONDS ?? 1800,
      sessionMaxSeconds: 12 * 3600,
    },
    log: {
      format: (e.LOG_FORMAT ?? 'json') as 'json' | 'pretty',
      level: e.LOG_LEVEL ?? (nodeEnv === 'test' ? 'warn' : 'info'),
    },
    sandboxPort: e.SANDBOX_PORT ?? 0,
  };
  return Object.freeze(config) as AppConfig;
}

/** `kid:base64key,kid2:base64key2`: the first encrypts, all decrypt. Keys are 32 bytes (AES-256). */
export function parsePiiKeys(raw: string): PiiKey[] {
  const keys = list(raw).map((entry) => {
    const idx = entry.indexOf(':');
    if (idx <= 0) throw new Error('each entry must be kid:base64key');
    const kid = entry.slice(0, idx);
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(kid)) throw new Error(`key id "${kid}" must be 1-32 of [A-Za-z0-9_-]`);
    const key = Buffer.from(entry.slice(idx + 1), 'base64');
    if (key.length !== 32) throw new Error(`key "${kid}" must decode to 32 bytes (got ${key.length})`);
    return { kid, key };
  });
  if (new Set(keys.map((k) => k.kid)).size !== keys.length) throw new Error('key ids must be unique');
  return keys;
}

function deriveBlindIndexKey(key: PiiKey): Buffer {
  // Derived from the oldest key so that prepending a new encryption key does not change lookups.
  return Buffer.from(hkdfSync('sha256', key.key, Buffer.alloc(0), 'onekyc-blind-index-v1', 32));
}

function loadOrCreateDevKey(dataDir: string): PiiKey {
  const file = join(dataDir, 'pii-dev-key');
  if (existsSync(file)) return parsePiiKeys(readFileSync(file, 'utf8').trim())[0];
  mkdirSync(dataDir, { recursive: true });
  const line = `dev1:${randomBytes(32).toString('base64')}`;
  writeFileSync(file, line + '\n', { mode: 0o600 });
  return parsePiiKeys(line)[0];
}

function stripSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

export function isCronExpression(expr: string): boolean {
  const fields = expr.trim().split(/\s+/);
  return (
    (fields.length === 5 || fields.length === 6) && fields.every((f) => /^[\d*/,\-A-Za-z?LW#]+$/.test(f))
  );
}

function isCidrOrIp(value: string): boolean {
  try {
    if (value.includes('/')) ipaddr.parseCIDR(value);
    else ipaddr.parse(value);
    return true;
  } catch {
    return false;
  }
}
