// The one typed configuration object. `buildConfig(env, runtime)` is pure: it validates the
// environment, reporting every problem at once, and reads or writes nothing. The values that
// exist only once something is started (embedded database, sandbox, development PII key) come
// from the start-up step (start-up.ts). main.ts, the migration CLI, the re-encryption CLI and the
// tests all go through here; the result is provided to Nest as `AppConfig`.
import { hkdfSync } from 'node:crypto';
import { join, resolve } from 'node:path';
import ipaddr from 'ipaddr.js';
import { ConfigValidationError, EnvironmentVariables, readEnvironment } from './environment.js';
import { buildUserJwtConfig, UserJwtConfig } from './user-jwt.config.js';

export const SANDBOX_API_KEY = 'sandbox-api-key';
export const SANDBOX_ADMIN_KEY = 'sandbox-admin-key';
export const SANDBOX_CALLBACK_SECRET = 'Bearer sandbox-callback-secret';
export const SANDBOX_CLIENT_ID = '00000000-0000-4000-8000-00000000c11d';
export const SANDBOX_PASS_KEY = '00000000-0000-4000-8000-0000000055cc';
export const SANDBOX_ONBOARDING_PARTNER = 'SANDBOX_PARTNER-SDK-STANDALONE_IDENTITY_VERIFICATION';
export const SANDBOX_ONBOARDING_PARTNER_WEB_SDK = 'SANDBOX_PARTNER-WEB_SDK-STANDALONE_IDENTITY_VERIFICATION';

export type OneKycSource = 'SDK' | 'WEB_SDK';

/**
 * TRUST_PROXY: false (X-Forwarded-For ignored), the number of proxies in front of us, or their
 * addresses (CIDR list). The client IP is then the first address of X-Forwarded-For, counted from
 * the right, that is not a trusted proxy (what Fastify does with a number or a list).
 */
export type TrustProxy = false | number | string[];

/** Parses TRUST_PROXY; throws with a message saying what is accepted. */
export function parseTrustProxy(raw: string | undefined): TrustProxy {
  const v = (raw ?? '').trim();
  if (v === '' || /^(false|0|no|off)$/i.test(v)) return false;
  if (/^\d+$/.test(v)) {
    const hops = Number(v);
    if (hops > 32) throw new Error(`a hop count must be at most 32 (got ${hops})`);
    return hops;
  }
  if (/^(true|yes|on)$/i.test(v)) {
    throw new Error(
      'name the proxies you run: a hop count (e.g. 1) or a CIDR list (e.g. 10.0.0.0/8); trusting every ' +
        'address would let any client choose its own IP through X-Forwarded-For',
    );
  }
  const cidrs = list(v);
  const bad = cidrs.filter((c) => !isCidrOrIp(c));
  if (bad.length > 0) throw new Error(`not a hop count, an IP or a CIDR: ${bad.join(', ')}`);
  return cidrs;
}

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
  /** METRICS_TOKEN: when set, /metrics needs it as a bearer token. */
  metricsToken: string | null;
  callback: { authHeader: string; authValues: string[]; allowedIps: string[]; trustProxy: TrustProxy };
  reconcile: {
    enabled: boolean;
    cron: string;
    afterSeconds: number;
    expireAfterHours: number;
    batchSize: number;
    concurrency: number;
  };
  pii: { keys: PiiKey[]; blindIndexKey: Buffer; retentionDays: number; retentionCron: string };
  /**
   * Keys the HMAC behind key ids (common/secrets.ts keyId) in logs, audit rows and the idempotency
   * table. Derived (HKDF) from the blind-index key, itself PII_BLIND_INDEX_KEY or derived from the
   * oldest PII key, so it survives a PII key rotation.
   */
  keyIdKey: Buffer;
  webhooks: WebhooksConfig;
  evidence: EvidenceConfig;
  docsEnabled: boolean;
  /** The operator console at /console and its sessions (POST /admin/session). */
  console: { enabled: boolean; sessionTtlSeconds: number; sessionMaxSeconds: number };
  log: { format: 'json' | 'pretty'; level: string };
  sandboxPort: number;
}

/**
 * Values that exist only once the process has started things (embedded database, in-process
 * sandbox, the development PII key kept under DATA_DIR): resolved by the start-up step
 * (`src/start-up.ts`), never by `buildConfig`, which reads and writes nothing.
 */
export interface RuntimeOverrides {
  databaseUrl?: string;
  sandboxBaseUrl?: string;
  devPiiKey?: PiiKey;
  /** stdout is a terminal: logs default to the human-friendly format outside production. */
  tty?: boolean;
}

export interface ConfigProblem {
  variable: string;
  message: string;
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

const GENERATE_HINT = 'generate one with `openssl rand -base64 32`';
const MIN_SECRET_LENGTH = 32;

/** Values shipped in examples and development defaults: never a production secret. */
export function isPlaceholderSecret(value: string): boolean {
  return /^(change-?me|changeme|replace-?me|sandbox-|example|secret$|password$)/i.test(value);
}

/** The credential part of a header value (`Bearer abc` → `abc`), for the length check. */
function credentialOf(value: string): string {
  const m = /^[A-Za-z][A-Za-z0-9._~+/-]*\s+(\S.*)$/.exec(value);
  return m ? m[1] : value;
}

function allSameBytes(buf: Buffer): boolean {
  return buf.length > 0 && buf.every((b) => b === buf[0]);
}

interface Analysis {
  e: EnvironmentVariables;
  problems: ConfigProblem[];
  nodeEnv: AppConfig['nodeEnv'];
  production: boolean;
  sandboxMode: boolean;
  piiKeys: PiiKey[];
  blindIndexKey?: Buffer;
  apiKeys: string[];
  adminApiKeys: string[];
  identityApiKeys: string[];
  userJwt: UserJwtConfig | null;
  cron: string;
  retentionCron: string;
  allowedIps: string[];
  trustProxy: TrustProxy;
}

/** Every check that needs nothing but the environment: pure, all problems at once. */
function analyse(env: NodeJS.ProcessEnv): Analysis {
  const read = readEnvironment(env);
  const e = read.values;
  const problems: ConfigProblem[] = [...read.problems];
  const malformed = new Set(read.problems.map((p) => p.variable));
  const nodeEnv = (e.NODE_ENV ?? 'development') as AppConfig['nodeEnv'];
  const production = nodeEnv === 'production';
  const sandboxMode = !e.ONEKYC_API_BASE_URL && !malformed.has('ONEKYC_API_BASE_URL');

  if (sandboxMode && production) {
    problems.push({
      variable: 'ONEKYC_API_BASE_URL',
      message:
        'required with NODE_ENV=production (sandbox mode and its generated keys are for development only)',
    });
  }
  if (production && !e.DATABASE_URL && !malformed.has('DATABASE_URL')) {
    problems.push({
      variable: 'DATABASE_URL',
      message:
        'required with NODE_ENV=production (there is no embedded database in production): postgres://user:password@host:5432/db',
    });
  }
  const requireIf = (cond: boolean, name: keyof EnvironmentVariables, why: string) => {
    const v = e[name];
    if (
      cond &&
      !malformed.has(name) &&
      (v === undefined || (typeof v === 'string' && list(v).length === 0))
    ) {
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
  requireIf(realProvider, 'API_KEYS', `outside sandbox mode (${GENERATE_HINT})`);
  requireIf(realProvider, 'ADMIN_API_KEYS', `outside sandbox mode (${GENERATE_HINT})`);
  requireIf(realProvider, 'CALLBACK_AUTH_VALUES', 'outside sandbox mode');
  requireIf(
    production,
    'PII_ENCRYPTION_KEYS',
    'with NODE_ENV=production: kid:base64 of 32 random bytes, e.g. k1:$(openssl rand -base64 32)',
  );

  let piiKeys: PiiKey[] = [];
  if (e.PII_ENCRYPTION_KEYS) {
    try {
      piiKeys = parsePiiKeys(e.PII_ENCRYPTION_KEYS);
    } catch (err) {
      problems.push({ variable: 'PII_ENCRYPTION_KEYS', message: (err as Error).message });
    }
  }
  if (production) {
    for (const k of piiKeys.filter((k) => allSameBytes(k.key))) {
      problems.push({
        variable: 'PII_ENCRYPTION_KEYS',
        message: `key "${k.kid}" is one byte value repeated (a placeholder, not a key): ${k.kid}:$(openssl rand -base64 32)`,
      });
    }
  }
  let blindIndexKey: Buffer | undefined;
  if (e.PII_BLIND_INDEX_KEY) {
    blindIndexKey = Buffer.from(e.PII_BLIND_INDEX_KEY, 'base64');
    if (blindIndexKey.length < 32) {
      problems.push({
        variable: 'PII_BLIND_INDEX_KEY',
        message: `must be at least 32 bytes, base64 (${GENERATE_HINT})`,
      });
    } else if (production && allSameBytes(blindIndexKey)) {
      problems.push({
        variable: 'PII_BLIND_INDEX_KEY',
        message: `is one byte value repeated (a placeholder, not a key); ${GENERATE_HINT}`,
      });
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
  if (production) {
    const secrets: [keyof EnvironmentVariables, string[]][] = [
      ['API_KEYS', apiKeys],
      ['ADMIN_API_KEYS', adminApiKeys],
      ['IDENTITY_API_KEYS', identityApiKeys],
      ['METRICS_TOKEN', list(e.METRICS_TOKEN)],
      ['CALLBACK_AUTH_VALUES', list(e.CALLBACK_AUTH_VALUES).map(credentialOf)],
    ];
    for (const [variable, values] of secrets) {
      values.forEach((value, i) => {
        const which = values.length > 1 ? `value ${i + 1} of ${values.length}` : 'the value';
        if (isPlaceholderSecret(value)) {
          problems.push({
            variable,
            message: `${which} is a placeholder (change-me…, sandbox-…), not a secret; ${GENERATE_HINT}`,
          });
        } else if (value.length < MIN_SECRET_LENGTH) {
          problems.push({
            variable,
            message: `${which} is shorter than ${MIN_SECRET_LENGTH} characters (${value.length}); ${GENERATE_HINT}`,
          });
        }
      });
    }
  }
  // A malformed USER_JWT_* variable is already named; the checks across them would only echo it.
  const userJwt = [...malformed].some((v) => v.startsWith('USER_JWT_'))
    ? null
    : buildUserJwtConfig(e, problems, production);
  const cron = e.RECONCILE_CRON ?? '0 * * * * *';
  if (!isCronExpression(cron)) {
    problems.push({ variable: 'RECONCILE_CRON', message: `not a cron expression (5 or 6 fields): ${cron}` });
  }
  const retentionCron = e.PII_RETENTION_CRON ?? '0 30 3 * * *';
  if (!isCronExpression(retentionCron)) {
    problems.push({ variable: 'PII_RETENTION_CRON', message: `not a cron expression: ${retentionCron}` });
  }
  let trustProxy: TrustProxy = false;
  try {
    trustProxy = parseTrustProxy(e.TRUST_PROXY);
  } catch (err) {
    problems.push({ variable: 'TRUST_PROXY', message: (err as Error).message });
  }
  const allowedIps = list(e.CALLBACK_ALLOWED_IPS);
  for (const cidr of allowedIps) {
    if (!isCidrOrIp(cidr))
      problems.push({ variable: 'CALLBACK_ALLOWED_IPS', message: `not an IP or CIDR: ${cidr}` });
  }

  if (e.WEBHOOK_URL && !e.WEBHOOK_SECRET) {
    problems.push({ variable: 'WEBHOOK_SECRET', message: 'required with WEBHOOK_URL' });
  }
  if (e.WEBHOOK_SECRET && !e.WEBHOOK_URL && !malformed.has('WEBHOOK_URL')) {
    problems.push({ variable: 'WEBHOOK_URL', message: 'required with WEBHOOK_SECRET' });
  }
  if (e.WEBHOOK_SECRET && !isWebhookSecret(e.WEBHOOK_SECRET)) {
    problems.push({
      variable: 'WEBHOOK_SECRET',
      message: 'must be whsec_ followed by base64 of at least 24 bytes: whsec_$(openssl rand -base64 32)',
    });
  }
  const evidenceStore = (e.EVIDENCE_STORE ?? 'fs') as EvidenceConfig['store'];
  if (evidenceStore === 's3') {
    // Each named once: a malformed value is already a problem of its own.
    for (const variable of ['EVIDENCE_S3_BUCKET', 'EVIDENCE_S3_REGION'] as const) {
      if (!e[variable] && !problems.some((p) => p.variable === variable))
        problems.push({ variable, message: 'required with EVIDENCE_STORE=s3' });
    }
  }
  return {
    e,
    problems,
    nodeEnv,
    production,
    sandboxMode,
    piiKeys,
    blindIndexKey,
    apiKeys,
    adminApiKeys,
    identityApiKeys,
    userJwt,
    cron,
    retentionCron,
    allowedIps,
    trustProxy,
  };
}

/**
 * Checks the environment alone, before anything is started: throws ConfigValidationError
 * naming every problem at once; returns the typed variables the start-up step needs.
 */
export function checkConfig(env: NodeJS.ProcessEnv): EnvironmentVariables {
  const a = analyse(env);
  if (a.problems.length > 0) throw new ConfigValidationError(a.problems);
  return a.e;
}

/**
 * The configuration, from the environment and the values the start-up step resolved (embedded
 * database URL, sandbox URL, development PII key). Pure: it reads no file and writes none.
 * Throws ConfigValidationError naming every problem at once.
 */
export function buildConfig(env: NodeJS.ProcessEnv, runtime: RuntimeOverrides = {}): AppConfig {
  const a = analyse(env);
  const { e, production, sandboxMode, nodeEnv } = a;
  const evidenceStore = (e.EVIDENCE_STORE ?? 'fs') as EvidenceConfig['store'];
  const problems = [...a.problems];
  const databaseUrl = e.DATABASE_URL ?? runtime.databaseUrl;
  if (!databaseUrl && !problems.some((p) => p.variable === 'DATABASE_URL')) {
    problems.push({
      variable: 'DATABASE_URL',
      message: 'required (npm start provides an embedded PostgreSQL when it is unset)',
    });
  }
  if (sandboxMode && !runtime.sandboxBaseUrl && !problems.some((p) => p.variable === 'ONEKYC_API_BASE_URL')) {
    // The start-up step starts the sandbox first; reaching here without it is a wiring bug.
    problems.push({
      variable: 'ONEKYC_API_BASE_URL',
      message: 'unset and no in-process sandbox was started',
    });
  }
  let piiKeys = a.piiKeys;
  if (piiKeys.length === 0 && !production && !e.PII_ENCRYPTION_KEYS) {
    if (runtime.devPiiKey) piiKeys = [runtime.devPiiKey];
    else
      problems.push({
        variable: 'PII_ENCRYPTION_KEYS',
        message: 'unset and no development key was generated (npm start keeps one under DATA_DIR)',
      });
  }
  if (problems.length > 0) throw new ConfigValidationError(problems);

  const apiBaseUrl = stripSlash(e.ONEKYC_API_BASE_URL ?? runtime.sandboxBaseUrl!);
  const dataDir = resolve(e.DATA_DIR ?? '.data');

  const blindIndexKey = a.blindIndexKey ?? deriveBlindIndexKey(piiKeys[piiKeys.length - 1]);
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
    apiKeys: a.apiKeys.length ? a.apiKeys : [SANDBOX_API_KEY],
    adminApiKeys: a.adminApiKeys.length ? a.adminApiKeys : [SANDBOX_ADMIN_KEY],
    identityApiKeys: a.identityApiKeys,
    userJwt: a.userJwt,
    apiRateLimitPerMinute: e.API_RATE_LIMIT_PER_MINUTE ?? 600,
    metricsToken: e.METRICS_TOKEN ?? null,
    callback: {
      authHeader: (e.CALLBACK_AUTH_HEADER ?? 'authorization').toLowerCase(),
      authValues: list(e.CALLBACK_AUTH_VALUES).length
        ? list(e.CALLBACK_AUTH_VALUES)
        : [SANDBOX_CALLBACK_SECRET],
      allowedIps: a.allowedIps,
      trustProxy: a.trustProxy,
    },
    reconcile: {
      enabled: e.RECONCILE_ENABLED ?? true,
      cron: a.cron,
      afterSeconds: e.RECONCILE_AFTER_SECONDS ?? 600,
      expireAfterHours: e.SUBMISSION_EXPIRE_AFTER_HOURS ?? 168,
      batchSize: e.RECONCILE_BATCH_SIZE ?? 200,
      concurrency: e.RECONCILE_CONCURRENCY ?? 8,
    },
    pii: {
      keys: piiKeys,
      blindIndexKey,
      retentionDays: e.PII_RETENTION_DAYS ?? 365,
      retentionCron: a.retentionCron,
    },
    keyIdKey: Buffer.from(hkdfSync('sha256', blindIndexKey, Buffer.alloc(0), 'onekyc-key-id-v1', 32)),
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
      format: (e.LOG_FORMAT ?? (runtime.tty && !production ? 'pretty' : 'json')) as 'json' | 'pretty',
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
    const raw = entry.slice(idx + 1);
    if (/^[0-9a-fA-F]{64}$/.test(raw)) {
      throw new Error(
        `key "${kid}" looks like hex; use base64 of 32 bytes: ${kid}:$(openssl rand -base64 32)`,
      );
    }
    const key = Buffer.from(raw, 'base64');
    if (key.length !== 32) {
      throw new Error(
        `key "${kid}" must be base64 of 32 bytes (got ${key.length}): ${kid}:$(openssl rand -base64 32)`,
      );
    }
    return { kid, key };
  });
  if (new Set(keys.map((k) => k.kid)).size !== keys.length) throw new Error('key ids must be unique');
  return keys;
}

function deriveBlindIndexKey(key: PiiKey): Buffer {
  // Derived from the oldest key so that prepending a new encryption key does not change lookups.
  return Buffer.from(hkdfSync('sha256', key.key, Buffer.alloc(0), 'onekyc-blind-index-v1', 32));
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
