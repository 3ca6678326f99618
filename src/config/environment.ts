// The raw environment, validated with class-validator. Every variable of the contract is here;
// `buildConfig()` (app-config.ts) turns this into the one typed object the app reads.
import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  validateSync,
} from 'class-validator';

const toInt = ({ value }: { value: unknown }) =>
  value === undefined || value === '' ? undefined : /^-?\d+$/.test(String(value)) ? Number(value) : value;
const toBool = ({ value }: { value: unknown }) => {
  if (value === undefined || value === '') return undefined;
  const v = String(value).toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off'].includes(v)) return false;
  return value;
};
const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' ? undefined : value);
const URL_OPTS = { require_tld: false, require_protocol: true, protocols: ['http', 'https'] };

export class EnvironmentVariables {
  @IsOptional()
  @IsIn(['development', 'production', 'test'])
  NODE_ENV?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT?: number;

  @IsOptional()
  @IsString()
  HOST?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(200)
  DATABASE_POOL_SIZE?: number;

  @IsOptional()
  @IsString()
  DATA_DIR?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsUrl(URL_OPTS)
  ONEKYC_API_BASE_URL?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsUrl(URL_OPTS)
  ONEKYC_TOKEN_BASE_URL?: string;

  @IsOptional()
  @IsString()
  @MinLength(1)
  ONEKYC_CLIENT_ID?: string;

  @IsOptional()
  @IsString()
  @MinLength(1)
  ONEKYC_PASS_KEY?: string;

  @IsOptional()
  @IsString()
  @MinLength(1)
  ONEKYC_ONBOARDING_PARTNER?: string;

  @IsOptional()
  @IsString()
  @MinLength(1)
  ONEKYC_ONBOARDING_PARTNER_SDK?: string;

  @IsOptional()
  @IsString()
  @MinLength(1)
  ONEKYC_ONBOARDING_PARTNER_WEB_SDK?: string;

  @IsOptional()
  @IsIn(['x-esign-onboarding-partner', 'x-onboarding-partner'])
  ONEKYC_ONBOARDING_PARTNER_HEADER?: string;

  @IsOptional()
  @IsIn(['SDK', 'WEB_SDK'])
  ONEKYC_SOURCE?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(120000)
  ONEKYC_TIMEOUT_MS?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10000)
  ONEKYC_MAX_RPS?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(86400)
  ONEKYC_TOKEN_REFRESH_MARGIN_SECONDS?: number;

  @IsOptional()
  @IsString()
  API_KEYS?: string;

  @IsOptional()
  @IsString()
  ADMIN_API_KEYS?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000000)
  API_RATE_LIMIT_PER_MINUTE?: number;

  @IsOptional()
  @IsString()
  IDENTITY_API_KEYS?: string;

  // End-user tokens (see user-jwt.config.ts for the checks that span several of these).
  @IsOptional()
  @Transform(emptyToUndefined)
  @IsUrl(URL_OPTS)
  USER_JWT_JWKS_URL?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsString()
  USER_JWT_SECRET?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsString()
  @MaxLength(1024)
  USER_JWT_ISSUER?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsString()
  @MaxLength(1024)
  USER_JWT_AUDIENCE?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @Matches(/^[\x21-\x7e]{1,256}$/, {
    message: 'USER_JWT_USER_ID_CLAIM must be a claim name (printable ASCII)',
  })
  USER_JWT_USER_ID_CLAIM?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @Matches(/^[\x21-\x7e](?:[\x20-\x7e]{0,62}[\x21-\x7e])?$/, {
    message: 'USER_JWT_USER_ID_TYPE must be 1 to 64 printable ASCII characters (a userIdType)',
  })
  USER_JWT_USER_ID_TYPE?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(300)
  USER_JWT_CLOCK_SKEW_SECONDS?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(3600)
  USER_JWT_JWKS_COOLDOWN_SECONDS?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(86400)
  USER_JWT_JWKS_CACHE_SECONDS?: number;

  @IsOptional()
  @Matches(/^[A-Za-z0-9-]+$/, { message: 'CALLBACK_AUTH_HEADER must be an HTTP header name' })
  CALLBACK_AUTH_HEADER?: string;

  @IsOptional()
  @IsString()
  CALLBACK_AUTH_VALUES?: string;

  @IsOptional()
  @IsString()
  CALLBACK_ALLOWED_IPS?: string;

  /** `false`, a hop count, or a CIDR list (parsed in app-config.ts). */
  @IsOptional()
  @Transform(emptyToUndefined)
  @IsString()
  TRUST_PROXY?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsString()
  METRICS_TOKEN?: string;

  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  RECONCILE_ENABLED?: boolean;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  RECONCILE_CRON?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(31536000)
  RECONCILE_AFTER_SECONDS?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(5000)
  RECONCILE_BATCH_SIZE?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  RECONCILE_CONCURRENCY?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(8760)
  SUBMISSION_EXPIRE_AFTER_HOURS?: number;

  @IsOptional()
  @IsString()
  PII_ENCRYPTION_KEYS?: string;

  @IsOptional()
  @IsString()
  PII_BLIND_INDEX_KEY?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(36500)
  PII_RETENTION_DAYS?: number;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  PII_RETENTION_CRON?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsUrl(URL_OPTS)
  @MaxLength(2048)
  WEBHOOK_URL?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsString()
  WEBHOOK_SECRET?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(120000)
  WEBHOOK_TIMEOUT_MS?: number;

  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  WEBHOOK_ALLOW_PRIVATE_NETWORKS?: boolean;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(256)
  WEBHOOK_CONCURRENCY?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(10)
  @Max(60000)
  WEBHOOK_POLL_INTERVAL_MS?: number;

  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    value === undefined || value === ''
      ? undefined
      : /^\d+(\.\d+)?$/.test(String(value))
        ? Number(value)
        : value,
  )
  @Min(0.000001)
  @Max(1)
  WEBHOOK_RETRY_SCALE?: number;

  /** Where archived KTP and selfie images go: `fs` (EVIDENCE_DIR) or `s3`. */
  @IsOptional()
  @Transform(emptyToUndefined)
  @IsIn(['fs', 's3'])
  EVIDENCE_STORE?: string;

  /** The `fs` store's folder (default `<DATA_DIR>/evidence`, i.e. `.data/evidence`). */
  @IsOptional()
  @Transform(emptyToUndefined)
  @IsString()
  @MaxLength(1024)
  EVIDENCE_DIR?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @Matches(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, {
    message: 'must be an S3 bucket name (3-63 of a-z, 0-9, dot, hyphen)',
  })
  EVIDENCE_S3_BUCKET?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @Matches(/^[a-z0-9-]{2,32}$/, { message: 'must be a region name such as ap-southeast-3' })
  EVIDENCE_S3_REGION?: string;

  /** An S3-compatible service's URL (unset: AWS S3 itself). */
  @IsOptional()
  @Transform(emptyToUndefined)
  @IsUrl(URL_OPTS)
  @MaxLength(2048)
  EVIDENCE_S3_ENDPOINT?: string;

  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  EVIDENCE_S3_FORCE_PATH_STYLE?: boolean;

  /** Image downloads in flight per instance; 0: this instance queues downloads, others run them. */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(64)
  EVIDENCE_CONCURRENCY?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(10)
  @Max(60000)
  EVIDENCE_POLL_INTERVAL_MS?: number;

  /** One image download, start to last byte (the size cap is 10 MiB). */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1000)
  @Max(300000)
  EVIDENCE_DOWNLOAD_TIMEOUT_MS?: number;

  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  DOCS_ENABLED?: boolean;

  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  CONSOLE_ENABLED?: boolean;

  /** Idle lifetime of an operator console session (each use extends it, up to 12 hours). */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(2)
  @Max(43200)
  CONSOLE_SESSION_TTL_SECONDS?: number;

  @IsOptional()
  @IsIn(['json', 'pretty'])
  LOG_FORMAT?: string;

  @IsOptional()
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  SANDBOX_PORT?: number;
}

export class ConfigValidationError extends Error {
  constructor(readonly problems: { variable: string; message: string }[]) {
    super('Invalid configuration:\n' + problems.map((p) => `  - ${p.variable}: ${p.message}`).join('\n'));
    this.name = 'ConfigValidationError';
  }
}

/**
 * Reads the raw environment: the typed values, and one problem per variable that is malformed
 * (its value is then left out, so the checks that span variables still run on the rest).
 */
export function readEnvironment(env: NodeJS.ProcessEnv): {
  values: EnvironmentVariables;
  problems: { variable: string; message: string }[];
} {
  const known = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined));
  const parsed = plainToInstance(EnvironmentVariables, known, { excludeExtraneousValues: false });
  const errors = validateSync(parsed, { skipMissingProperties: false, forbidUnknownValues: false });
  const problems = errors.map((e) => ({
    variable: e.property,
    message: `${Object.values(e.constraints ?? {}).join('; ')} (got ${JSON.stringify(redactForMessage(e.property, e.value))})`,
  }));
  for (const e of errors) delete (parsed as unknown as Record<string, unknown>)[e.property];
  return { values: parsed, problems };
}

/** Validates the raw environment; throws ConfigValidationError naming every bad variable. */
export function validateEnvironment(env: NodeJS.ProcessEnv): EnvironmentVariables {
  const { values, problems } = readEnvironment(env);
  if (problems.length > 0) throw new ConfigValidationError(problems);
  return values;
}

function redactForMessage(name: string, value: unknown): unknown {
  return /KEY|PASS|SECRET|VALUES|TOKEN|DATABASE_URL|CLIENT_ID/.test(name) ? '<redacted>' : value;
}
