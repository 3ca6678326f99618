// The sandbox's settings: who it accepts, where it calls back, and the faults it injects. Faults
// come from SANDBOX_* environment variables at start (README.md lists them) and can be changed at
// run time through the control API (PATCH /sandbox/faults), with the same shape and checks.

import { IMAGE_BODIES, IMAGE_FORMATS, ImageBody, ImageFormat } from './sandbox-images.js';

export const SANDBOX_ENDPOINTS = ['token', 'initiateFlow', 'submissions'] as const;
export type SandboxEndpoint = (typeof SANDBOX_ENDPOINTS)[number];

export type CallbackMethod = 'POST' | 'PUT' | 'PATCH';
export type Source = 'SDK' | 'WEB_SDK';

/** Errors the provider's error-code page lists, by code: [HTTP status, cause]. */
export const PROVIDER_ERRORS = {
  '903': [403, 'FORBIDDEN'],
  '1514': [404, 'USER_NOT_FOUND'],
  '1518': [404, 'USER_NOT_FOUND'],
  '1550': [400, 'PARTNER_USER_ID_CAN_NOT_BE_EMPTY'],
  '1552': [400, 'SUBMISSION_DOES_NOT_EXIST'],
  '1553': [400, 'PARTNER_SESSION_ID_DOES_NOT_BELONG_TO_THE_USER'],
  '1653': [400, 'SUBMISSION_DOES_NOT_BELONG_TO_USER'],
} as const satisfies Record<string, readonly [number, string]>;
export type ProviderErrorCode = keyof typeof PROVIDER_ERRORS;
const ERROR_CODES = Object.keys(PROVIDER_ERRORS) as ProviderErrorCode[];
export const NOT_FOUND_CODES = ['1514', '1518', '1552'] as const;
export const OTHER_USER_CODES = ['1653', '1553'] as const;
export type OnboardingPartnerHeaderMode = 'both' | 'x-esign-onboarding-partner' | 'x-onboarding-partner';

export interface EndpointFaults {
  /** Added to every answer (ms). */
  latencyMs: number;
  /** Plus a uniform random extra in [0, latencyJitterMs). */
  latencyJitterMs: number;
  /** Share of calls answered 500 code 900 (before any processing). */
  errorRate: number;
  /** Share of calls answered 429 with Retry-After: 1 (before any processing). */
  throttleRate: number;
  /** Share of calls processed and then never answered (the connection is held, then dropped). */
  timeoutRate: number;
}

export interface CallbackFaults {
  /** Share of completions whose callback is never sent. */
  dropRate: number;
  /** Each callback is delivered this many times (at-least-once duplicates). */
  duplicates: number;
  /** Wait before the first delivery attempt (ms). */
  delayMs: number;
  /** Share of COMPLETED callbacks followed by a stale PARTIALLY_COMPLETED one. */
  reorderRate: number;
  /** Delays between failed attempts (ms); its length is the number of retries. */
  retryScheduleMs: number[];
  /** Per delivery attempt (ms). */
  timeoutMs: number;
}

export interface ImageFaults {
  /** Lifetime of the signed image URLs in results (the provider's: 5 days). */
  lifetimeSeconds: number;
  /** Encoding of the synthetic pictures. */
  format: ImageFormat;
  /** What an image URL answers: the picture, an HTML page (`html`; `html-as-image` keeps the
   * image content type), or `oversizeBytes` of picture-then-padding (with or without a length). */
  body: ImageBody;
  oversizeBytes: number;
}

export interface SandboxFaults {
  endpoints: Record<SandboxEndpoint, EndpointFaults>;
  /** Get Submission Details for a user with no submission yet: 404 1514 / 1518, or 400 1552. */
  notFoundCode: (typeof NOT_FOUND_CODES)[number];
  /** Get Submission Details with another user's session: 400 1653, or 400 1553. */
  otherUserCode: (typeof OTHER_USER_CODES)[number];
  /** Answer every call of an endpoint with this listed error (after the token check), or not. */
  forcedErrors: Record<SandboxEndpoint, ProviderErrorCode | null>;
  /** Partner token lifetime (provider default 30 min). */
  tokenLifetimeSeconds: number;
  /** SDK token lifetime from Initiate Flow (the provider's example: 60 days). */
  sdkTokenLifetimeSeconds: number;
  /** How long a "timeout" fault holds a request before dropping the connection (ms). */
  hangMs: number;
  callbacks: CallbackFaults;
  images: ImageFaults;
}

/** Partial update of the faults: `all` applies to every endpoint before per-endpoint values. */
export interface SandboxFaultsPatch {
  all?: Partial<EndpointFaults>;
  endpoints?: Partial<Record<SandboxEndpoint, Partial<EndpointFaults>>>;
  tokenLifetimeSeconds?: number;
  sdkTokenLifetimeSeconds?: number;
  hangMs?: number;
  callbacks?: Partial<CallbackFaults>;
  images?: Partial<ImageFaults>;
  notFoundCode?: SandboxFaults['notFoundCode'];
  otherUserCode?: SandboxFaults['otherUserCode'];
  forcedErrors?: Partial<Record<SandboxEndpoint, ProviderErrorCode | null>>;
}

export interface SandboxCallbackTarget {
  callbackUrl?: string;
  callbackMethod: CallbackMethod;
  callbackAuthHeader: string;
  callbackAuthValue?: string;
}

export interface SandboxOptions {
  /** 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1: the control API has no authentication. */
  host?: string;
  clientId: string;
  passKey: string;
  /** The onboarding-partner value of both sources, unless `onboardingPartners` names one. */
  onboardingPartner: string;
  /** The provider issues one value per platform; a value sent with the other source is refused. */
  onboardingPartners?: Partial<Record<Source, string>>;
  /** Which onboarding-partner header name is accepted (default: both published names). */
  onboardingPartnerHeader?: OnboardingPartnerHeaderMode;
  callbackUrl?: string;
  callbackMethod?: CallbackMethod;
  callbackAuthHeader?: string;
  callbackAuthValue?: string;
  /** SANDBOX_* fault variables are read from here (main.ts passes process.env). */
  env?: NodeJS.ProcessEnv;
  /** Applied over the environment's faults. */
  faults?: SandboxFaultsPatch;
  /** Seed for fault rolls and generated data (else SANDBOX_SEED, else unseeded). */
  seed?: number;
  /** Log each request line (never headers or bodies). Else SANDBOX_LOG. */
  log?: boolean;
}

export class SandboxConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SandboxConfigError';
  }
}

const NO_FAULTS: EndpointFaults = {
  latencyMs: 0,
  latencyJitterMs: 0,
  errorRate: 0,
  throttleRate: 0,
  timeoutRate: 0,
};

export function defaultFaults(): SandboxFaults {
  return {
    endpoints: { token: { ...NO_FAULTS }, initiateFlow: { ...NO_FAULTS }, submissions: { ...NO_FAULTS } },
    notFoundCode: '1514',
    otherUserCode: '1653',
    forcedErrors: { token: null, initiateFlow: null, submissions: null },
    tokenLifetimeSeconds: 1800,
    sdkTokenLifetimeSeconds: 60 * 24 * 3600,
    hangMs: 120_000,
    callbacks: {
      dropRate: 0,
      duplicates: 1,
      delayMs: 0,
      reorderRate: 0,
      retryScheduleMs: [1000, 2000, 5000, 10_000, 30_000, 60_000],
      timeoutMs: 5000,
    },
    images: { lifetimeSeconds: 432_000, format: 'jpeg', body: 'image', oversizeBytes: 20 * 1024 * 1024 },
  };
}

// Checks, shared by the environment and the control API.
const rate = (v: unknown) => typeof v === 'number' && v >= 0 && v <= 1;
const ms = (max: number) => (v: unknown) =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max;
const ENDPOINT_CHECKS: Record<keyof EndpointFaults, [(v: unknown) => boolean, string]> = {
  latencyMs: [ms(600_000), 'an integer of ms, 0 to 600000'],
  latencyJitterMs: [ms(600_000), 'an integer of ms, 0 to 600000'],
  errorRate: [rate, 'a rate from 0 to 1'],
  throttleRate: [rate, 'a rate from 0 to 1'],
  timeoutRate: [rate, 'a rate from 0 to 1'],
};
const CALLBACK_CHECKS: Record<keyof CallbackFaults, [(v: unknown) => boolean, string]> = {
  dropRate: [rate, 'a rate from 0 to 1'],
  duplicates: [
    (v) => typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 100,
    'an integer from 1 to 100',
  ],
  delayMs: [ms(3_600_000), 'an integer of ms, 0 to 3600000'],
  reorderRate: [rate, 'a rate from 0 to 1'],
  retryScheduleMs: [
    (v) => Array.isArray(v) && v.length <= 50 && v.every(ms(3_600_000)),
    'a list of at most 50 delays in ms',
  ],
  timeoutMs: [(v) => ms(600_000)(v) && (v as number) >= 1, 'an integer of ms, 1 to 600000'],
};
const IMAGE_CHECKS: Record<keyof ImageFaults, [(v: unknown) => boolean, string]> = {
  lifetimeSeconds: [(v) => ms(31_536_000)(v) && (v as number) >= 1, 'seconds, 1 to 31536000'],
  format: [(v) => IMAGE_FORMATS.includes(v as ImageFormat), `one of ${IMAGE_FORMATS.join(', ')}`],
  body: [(v) => IMAGE_BODIES.includes(v as ImageBody), `one of ${IMAGE_BODIES.join(', ')}`],
  oversizeBytes: [(v) => ms(104_857_600)(v) && (v as number) >= 1, 'bytes, 1 to 104857600'],
};
const forcedError: [(v: unknown) => boolean, string] = [
  (v) => v === null || ERROR_CODES.includes(v as ProviderErrorCode),
  `null or one of ${ERROR_CODES.join(', ')}`,
];
const FORCED_ERROR_CHECKS: Record<SandboxEndpoint, [(v: unknown) => boolean, string]> = {
  token: forcedError,
  initiateFlow: forcedError,
  submissions: forcedError,
};
const SECTION_CHECKS = {
  callbacks: CALLBACK_CHECKS,
  images: IMAGE_CHECKS,
  forcedErrors: FORCED_ERROR_CHECKS,
} as const;
const TOP_CHECKS = {
  tokenLifetimeSeconds: [(v: unknown) => ms(31_536_000)(v) && (v as number) >= 1, 'seconds, 1 to 31536000'],
  sdkTokenLifetimeSeconds: [
    (v: unknown) => ms(31_536_000)(v) && (v as number) >= 1,
    'seconds, 1 to 31536000',
  ],
  hangMs: [ms(3_600_000), 'an integer of ms, 0 to 3600000'],
  notFoundCode: [
    (v: unknown) => NOT_FOUND_CODES.includes(v as never),
    `one of ${NOT_FOUND_CODES.join(', ')}`,
  ],
  otherUserCode: [
    (v: unknown) => OTHER_USER_CODES.includes(v as never),
    `one of ${OTHER_USER_CODES.join(', ')}`,
  ],
} as const;

/** Applies a patch to a copy of `base`; throws SandboxConfigError naming the first bad field. */
export function applyFaultsPatch(base: SandboxFaults, patch: unknown, where = 'faults'): SandboxFaults {
  if (!isObject(patch)) throw new SandboxConfigError(`${where} must be a JSON object`);
  const next: SandboxFaults = structuredClone(base);
  for (const [key, value] of Object.entries(patch)) {
    if (key === 'all' || key === 'endpoints') continue;
    if (key === 'callbacks' || key === 'images' || key === 'forcedErrors') {
      if (!isObject(value)) throw new SandboxConfigError(`${where}.${key} must be an object`);
      const checks = SECTION_CHECKS[key] as Record<string, [(v: unknown) => boolean, string]>;
      for (const [k, v] of Object.entries(value)) {
        const check = checks[k];
        if (!check) throw new SandboxConfigError(`${where}.${key}.${k} is not a ${key} fault`);
        if (!check[0](v)) throw new SandboxConfigError(`${where}.${key}.${k} must be ${check[1]}`);
        (next[key] as unknown as Record<string, unknown>)[k] = v;
      }
      continue;
    }
    const check = TOP_CHECKS[key as keyof typeof TOP_CHECKS];
    if (!check) throw new SandboxConfigError(`${where}.${key} is not a fault setting`);
    if (!check[0](value)) throw new SandboxConfigError(`${where}.${key} must be ${check[1]}`);
    (next as unknown as Record<string, unknown>)[key] = value;
  }
  const p = patch as SandboxFaultsPatch;
  if (p.all !== undefined) {
    for (const e of SANDBOX_ENDPOINTS)
      next.endpoints[e] = applyEndpoint(next.endpoints[e], p.all, `${where}.all`);
  }
  if (p.endpoints !== undefined) {
    if (!isObject(p.endpoints)) throw new SandboxConfigError(`${where}.endpoints must be an object`);
    for (const [e, v] of Object.entries(p.endpoints)) {
      if (!SANDBOX_ENDPOINTS.includes(e as SandboxEndpoint)) {
        throw new SandboxConfigError(`${where}.endpoints.${e} is not one of ${SANDBOX_ENDPOINTS.join(', ')}`);
      }
      next.endpoints[e as SandboxEndpoint] = applyEndpoint(
        next.endpoints[e as SandboxEndpoint],
        v,
        `${where}.endpoints.${e}`,
      );
    }
  }
  return next;
}

function applyEndpoint(base: EndpointFaults, patch: unknown, where: string): EndpointFaults {
  if (!isObject(patch)) throw new SandboxConfigError(`${where} must be an object`);
  const next = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    const check = ENDPOINT_CHECKS[k as keyof EndpointFaults];
    if (!check) throw new SandboxConfigError(`${where}.${k} is not an endpoint fault`);
    if (!check[0](v)) throw new SandboxConfigError(`${where}.${k} must be ${check[1]}`);
    (next as Record<string, number>)[k] = v as number;
  }
  return next;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// --- Environment -------------------------------------------------------------------------------

const ENDPOINT_ENV: Record<SandboxEndpoint, string> = {
  token: 'TOKEN',
  initiateFlow: 'INITIATE_FLOW',
  submissions: 'SUBMISSIONS',
};
const ENDPOINT_FAULT_ENV: Record<keyof EndpointFaults, string> = {
  latencyMs: 'LATENCY_MS',
  latencyJitterMs: 'LATENCY_JITTER_MS',
  errorRate: 'ERROR_RATE',
  throttleRate: 'THROTTLE_RATE',
  timeoutRate: 'TIMEOUT_RATE',
};
const CALLBACK_ENV: Record<keyof CallbackFaults, string> = {
  dropRate: 'SANDBOX_CALLBACK_DROP_RATE',
  duplicates: 'SANDBOX_CALLBACK_DUPLICATES',
  delayMs: 'SANDBOX_CALLBACK_DELAY_MS',
  reorderRate: 'SANDBOX_CALLBACK_REORDER_RATE',
  retryScheduleMs: 'SANDBOX_CALLBACK_RETRY_SCHEDULE_MS',
  timeoutMs: 'SANDBOX_CALLBACK_TIMEOUT_MS',
};
const IMAGE_ENV: Record<keyof ImageFaults, string> = {
  lifetimeSeconds: 'SANDBOX_IMAGE_URL_LIFETIME_SECONDS',
  format: 'SANDBOX_IMAGE_FORMAT',
  body: 'SANDBOX_IMAGE_BODY',
  oversizeBytes: 'SANDBOX_IMAGE_OVERSIZE_BYTES',
};
const TOP_ENV: Record<keyof typeof TOP_CHECKS, string> = {
  tokenLifetimeSeconds: 'SANDBOX_TOKEN_LIFETIME_SECONDS',
  sdkTokenLifetimeSeconds: 'SANDBOX_SDK_TOKEN_LIFETIME_SECONDS',
  hangMs: 'SANDBOX_HANG_MS',
  notFoundCode: 'SANDBOX_NOT_FOUND_CODE',
  otherUserCode: 'SANDBOX_OTHER_USER_CODE',
};
/** Codes are strings; the rest of TOP_ENV are numbers. */
const STRING_TOP = new Set(['notFoundCode', 'otherUserCode']);

/** Every fault variable the sandbox reads, for the README and for error messages. */
export function faultEnvironmentVariables(): string[] {
  const names: string[] = [];
  for (const f of Object.values(ENDPOINT_FAULT_ENV)) names.push(`SANDBOX_${f}`);
  for (const e of Object.values(ENDPOINT_ENV)) {
    for (const f of Object.values(ENDPOINT_FAULT_ENV)) names.push(`SANDBOX_${e}_${f}`);
    names.push(`SANDBOX_${e}_FORCED_ERROR`);
  }
  return [...names, ...Object.values(TOP_ENV), ...Object.values(CALLBACK_ENV), ...Object.values(IMAGE_ENV)];
}

/** The faults described by SANDBOX_* variables; throws SandboxConfigError naming a bad variable. */
export function faultsFromEnv(env: NodeJS.ProcessEnv): SandboxFaults {
  let faults = defaultFaults();
  const num = (name: string): number | undefined => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') return undefined;
    const n = Number(raw);
    if (!Number.isFinite(n)) throw new SandboxConfigError(`${name} must be a number (got "${raw}")`);
    return n;
  };
  const patchAs = (name: string, patch: SandboxFaultsPatch) => {
    try {
      faults = applyFaultsPatch(faults, patch);
    } catch (err) {
      throw new SandboxConfigError(`${name}: ${(err as Error).message.replace(/^faults\.[\w.]+ /, '')}`);
    }
  };
  for (const [field, suffix] of Object.entries(ENDPOINT_FAULT_ENV)) {
    const v = num(`SANDBOX_${suffix}`);
    if (v !== undefined) patchAs(`SANDBOX_${suffix}`, { all: { [field]: v } });
  }
  for (const [endpoint, prefix] of Object.entries(ENDPOINT_ENV)) {
    for (const [field, suffix] of Object.entries(ENDPOINT_FAULT_ENV)) {
      const name = `SANDBOX_${prefix}_${suffix}`;
      const v = num(name);
      if (v !== undefined) patchAs(name, { endpoints: { [endpoint]: { [field]: v } } });
    }
  }
  for (const [field, name] of Object.entries(TOP_ENV)) {
    const v = STRING_TOP.has(field) ? env[name]?.trim() || undefined : num(name);
    if (v !== undefined) patchAs(name, { [field]: v });
  }
  for (const [endpoint, prefix] of Object.entries(ENDPOINT_ENV)) {
    const name = `SANDBOX_${prefix}_FORCED_ERROR`;
    const raw = env[name]?.trim();
    if (raw) patchAs(name, { forcedErrors: { [endpoint]: raw === 'none' ? null : raw } });
  }
  for (const [field, name] of Object.entries(CALLBACK_ENV)) {
    if (field === 'retryScheduleMs') {
      const raw = env[name];
      if (raw === undefined || raw.trim() === '') continue;
      const list = raw.split(',').map((s) => Number(s.trim()));
      patchAs(name, { callbacks: { retryScheduleMs: raw.trim() === 'none' ? [] : list } });
      continue;
    }
    const v = num(name);
    if (v !== undefined) patchAs(name, { callbacks: { [field]: v } });
  }
  for (const [field, name] of Object.entries(IMAGE_ENV)) {
    const raw = env[name]?.trim();
    if (raw === undefined || raw === '') continue;
    const value = field === 'format' || field === 'body' ? raw.toLowerCase() : num(name);
    patchAs(name, { images: { [field]: value } });
  }
  return faults;
}

export function seedFromEnv(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env.SANDBOX_SEED;
  if (raw === undefined || raw.trim() === '') return undefined;
  if (!/^\d{1,10}$/.test(raw.trim()))
    throw new SandboxConfigError(`SANDBOX_SEED must be a non-negative integer`);
  return Number(raw.trim());
}

export function onboardingHeaderModeFromEnv(env: NodeJS.ProcessEnv): OnboardingPartnerHeaderMode | undefined {
  const raw = env.SANDBOX_ONBOARDING_PARTNER_HEADER;
  if (raw === undefined || raw.trim() === '') return undefined;
  const v = raw.trim().toLowerCase();
  if (v !== 'both' && v !== 'x-esign-onboarding-partner' && v !== 'x-onboarding-partner') {
    throw new SandboxConfigError(
      'SANDBOX_ONBOARDING_PARTNER_HEADER must be both, x-esign-onboarding-partner or x-onboarding-partner',
    );
  }
  return v;
}

export function boolFromEnv(env: NodeJS.ProcessEnv, name: string): boolean | undefined {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return undefined;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new SandboxConfigError(`${name} must be true or false`);
}

export function callbackMethodOf(value: string | undefined, name: string): CallbackMethod | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const v = value.trim().toUpperCase();
  if (v !== 'POST' && v !== 'PUT' && v !== 'PATCH')
    throw new SandboxConfigError(`${name} must be POST, PUT or PATCH`);
  return v;
}
