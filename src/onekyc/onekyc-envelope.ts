// Pure translation of what came back over the wire into data or a typed OneKycException: the
// `{success, data, errors:[{code, cause, entity}]}` envelope, HTTP statuses, and socket errors.
// Kept free of I/O so every branch is unit-tested (onekyc-envelope.spec.ts).
import { OneKycErrorKind, OneKycException, OneKycOperation } from './onekyc.exception.js';

export interface ProviderError {
  code?: string;
  cause?: string;
  entity?: string;
}

export type Envelope = { success: true; data: unknown } | { success: false; errors: ProviderError[] };

export interface RawResponse {
  status: number;
  body: string;
  headers: Record<string, unknown>;
}

// The provider's error-code page and its API reference disagree on statuses (the same "no
// submission yet" is a 404 on one and a 400 on the other), so errors are classified on `cause`
// first, then on `code`, and only then on the HTTP status.

/** "No submission for that user yet" on Get Submission Details: 404 1514/1518 or 400 1552. */
export const NOT_YET_CODES = new Set(['1514', '1518', '1552']);
export const NOT_YET_CAUSES = new Set([
  'USER_NOT_FOUND',
  'SUBMISSION_DOES_NOT_EXIST',
  'SUBMISSION_NOT_FOUND',
]);
/** The session belongs to another user: 400 1653 or 1553. */
export const NOT_OWNED_CODES = new Set(['1653', '1553']);
export const NOT_OWNED_CAUSES = new Set([
  'SUBMISSION_DOES_NOT_BELONG_TO_USER',
  'PARTNER_SESSION_ID_DOES_NOT_BELONG_TO_THE_USER',
]);
/** The provider refuses our set-up (permanent; see OneKycErrorKind.CONFIGURATION). */
export const CONFIGURATION_CODES = new Set(['903', '1550']);
export const CONFIGURATION_CAUSES = new Set([
  'FORBIDDEN',
  'PARTNER_USER_ID_CAN_NOT_BE_EMPTY',
  'ONBOARDING_PARTNER_DOES_NOT_BELONG_TO_CLIENT',
  'ESIGN_ONBOARDING_PARTNER_CAN_NOT_BE_EMPTY',
]);
export const DUPLICATE_SESSION_CAUSE = 'DUPLICATE_PARTNER_SESSION_ID';

/** True for the provider's "no submission for that user yet", whichever status it came with. */
export function isNotYet(error: { code?: string; cause?: string } | undefined): boolean {
  return !!error && (NOT_YET_CAUSES.has(error.cause ?? '') || NOT_YET_CODES.has(error.code ?? ''));
}

/** Socket errors raised before a byte of the request could reach the provider. */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  // undici: the TCP (or TLS) connection was never established.
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** Parses the envelope; `undefined` when the body is not one (HTML error pages, empty bodies). */
export function parseEnvelope(body: string): Envelope | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  const o = parsed as Record<string, unknown>;
  if (o.success === true) return { success: true, data: o.data };
  if (o.success === false) {
    const errors = Array.isArray(o.errors)
      ? o.errors.map(toProviderError).filter((e) => e !== undefined)
      : [];
    return { success: false, errors };
  }
  return undefined;
}

/** The most of a provider's `code`/`cause`/`entity` text we echo in problems or store. */
export const PROVIDER_TEXT_MAX = 200;

export function truncateProviderText(text: string): string {
  return text.length <= PROVIDER_TEXT_MAX ? text : `${text.slice(0, PROVIDER_TEXT_MAX - 1)}…`;
}

function toProviderError(e: unknown): ProviderError | undefined {
  if (!e || typeof e !== 'object') return undefined;
  const o = e as Record<string, unknown>;
  const str = (v: unknown) =>
    typeof v === 'string' || typeof v === 'number' ? truncateProviderText(String(v)) : undefined;
  return { code: str(o.code), cause: str(o.cause), entity: str(o.entity) };
}

/**
 * The `data` object of a successful answer, or a OneKycException describing the failure.
 * `ambiguous` marks failures after which the provider may still have acted on the request.
 */
export function interpretResponse(operation: OneKycOperation, res: RawResponse): unknown {
  const envelope = parseEnvelope(res.body);
  const ok = res.status >= 200 && res.status < 300;
  if (ok && envelope?.success === true && envelope.data && typeof envelope.data === 'object') {
    return envelope.data;
  }
  const first = envelope?.success === false ? envelope.errors[0] : undefined;
  const base = {
    operation,
    httpStatus: res.status,
    code: first?.code,
    cause: first?.cause,
    entity: first?.entity,
  };
  const what = first ? ` (${first.code ?? '?'} ${first.cause ?? ''})`.trimEnd() : '';
  if (ok && !first) {
    return throwIt({
      ...base,
      kind: OneKycErrorKind.TEMPORARY_INVALID_RESPONSE,
      ambiguous: true,
      message: `${operation}: provider answered ${res.status} without a valid envelope`,
    });
  }
  const kind = kindFor(res.status, first);
  return throwIt({
    ...base,
    kind,
    ambiguous: kind === OneKycErrorKind.TEMPORARY_SERVER_ERROR,
    retryAfterSeconds:
      kind === OneKycErrorKind.TEMPORARY_THROTTLED
        ? (parseRetryAfter(res.headers['retry-after']) ?? 1)
        : undefined,
    message: `${operation}: provider answered ${res.status}${what}`,
  });
}

function throwIt(init: ConstructorParameters<typeof OneKycException>[0]): never {
  throw new OneKycException(init);
}

export function kindFor(status: number, error: ProviderError | undefined): OneKycErrorKind {
  const byCause = kindForCause(error?.cause);
  if (byCause) return byCause;
  // An unknown cause with a known code: the code decides (the pages agree on codes more than causes).
  if (error?.code !== undefined && !(error.cause && status >= 500)) {
    if (NOT_OWNED_CODES.has(error.code)) return OneKycErrorKind.SUBMISSION_NOT_OWNED;
    if (NOT_YET_CODES.has(error.code)) return OneKycErrorKind.NOT_FOUND;
    if (CONFIGURATION_CODES.has(error.code)) return OneKycErrorKind.CONFIGURATION;
  }
  if (status >= 500) return OneKycErrorKind.TEMPORARY_SERVER_ERROR;
  switch (status) {
    case 400:
      return OneKycErrorKind.VALIDATION;
    case 401:
      return OneKycErrorKind.UNAUTHORIZED;
    case 403:
      return OneKycErrorKind.FORBIDDEN;
    case 404:
      return OneKycErrorKind.NOT_FOUND;
    case 408:
      return OneKycErrorKind.TEMPORARY_TIMEOUT;
    case 429:
      return OneKycErrorKind.TEMPORARY_THROTTLED;
    default:
      // A 2xx with success:false carries the provider's error: a refusal like a 400.
      return status < 300 ? OneKycErrorKind.VALIDATION : OneKycErrorKind.REJECTED;
  }
}

function kindForCause(cause: string | undefined): OneKycErrorKind | undefined {
  if (cause === undefined) return undefined;
  if (cause === DUPLICATE_SESSION_CAUSE) return OneKycErrorKind.DUPLICATE_SESSION;
  if (NOT_OWNED_CAUSES.has(cause)) return OneKycErrorKind.SUBMISSION_NOT_OWNED;
  if (NOT_YET_CAUSES.has(cause)) return OneKycErrorKind.NOT_FOUND;
  if (CONFIGURATION_CAUSES.has(cause)) return OneKycErrorKind.CONFIGURATION;
  return undefined;
}

/** A socket-level failure (no HTTP answer). `timedOut` when our own per-call timeout fired. */
export function transportFailure(
  operation: OneKycOperation,
  err: unknown,
  timedOut: boolean,
): OneKycException {
  if (timedOut) {
    return new OneKycException({
      kind: OneKycErrorKind.TEMPORARY_TIMEOUT,
      operation,
      ambiguous: true,
      message: `${operation}: no answer within the timeout`,
    });
  }
  const code = errorCode(err);
  const notSent = code !== undefined && NOT_SENT_CODES.has(code);
  return new OneKycException({
    kind: OneKycErrorKind.TEMPORARY_NETWORK,
    operation,
    ambiguous: !notSent,
    message: `${operation}: ${notSent ? 'could not connect' : 'connection failed'} (${code ?? 'unknown error'})`,
  });
}

/** The errno-style code of a socket error, looking through wrapping errors (`cause`) and AggregateErrors. */
export function errorCode(err: unknown): string | undefined {
  if (!err || typeof err !== 'object') return undefined;
  const e = err as { code?: unknown; cause?: unknown; errors?: unknown };
  if (Array.isArray(e.errors) && e.errors.length > 0) {
    // Happy-eyeballs connects fail with an AggregateError: "not sent" only if every address refused.
    const codes = e.errors.map(errorCode);
    const other = codes.find((c) => c === undefined || !NOT_SENT_CODES.has(c));
    return other === undefined && !codes.includes(undefined) ? codes[0] : (other ?? 'EUNKNOWN');
  }
  const inner = e.cause && e.cause !== err ? errorCode(e.cause) : undefined;
  return inner ?? (typeof e.code === 'string' ? e.code : undefined);
}

/** `Retry-After` as seconds (delta-seconds or an HTTP date); undefined when absent or unreadable. */
export function parseRetryAfter(value: unknown, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (typeof v !== 'string' && typeof v !== 'number') return undefined;
  const s = String(v).trim();
  if (/^\d+$/.test(s)) return Number(s);
  const at = Date.parse(s);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now) / 1000));
}

/** Seconds-or-milliseconds epoch (number or numeric string) or an ISO date → ms since epoch. */
export function parseInstant(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value > 1e12 ? value : value * 1000;
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const s = value.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return parseInstant(Number(s));
  const ms = Date.parse(s);
  return Number.isNaN(ms) ? undefined : ms;
}

/** A non-negative number from a number or numeric string. */
export function parseSeconds(value: unknown): number | undefined {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n : undefined;
}
