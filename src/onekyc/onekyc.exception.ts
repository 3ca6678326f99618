// The one error type of the provider client. Callers branch on `kind` (and `isTemporary`), never
// on HTTP details; the provider's own `code` and `cause` ride along for records and problems.
//
// To our own callers a provider failure is a problem of its own: the provider answered with an
// error (a 4xx refusal, or a 5xx/429 with its envelope) → PROVIDER_REFUSED (502) carrying its
// `cause` and `code`, plus Retry-After when trying again later can help; the provider did not
// answer (refused connection, timeout, circuit open, our own rate-limit wait) →
// PROVIDER_UNAVAILABLE (503) with Retry-After.
import { FeatureError } from '../common/problem.js';

const DEFAULT_RETRY_AFTER_SECONDS = 5;

export enum OneKycErrorKind {
  /** Connection refused/reset, DNS failure, socket closed: the provider did not answer. */
  TEMPORARY_NETWORK = 'TEMPORARY_NETWORK',
  /** No answer within `ONEKYC_TIMEOUT_MS`. */
  TEMPORARY_TIMEOUT = 'TEMPORARY_TIMEOUT',
  /** 5xx from the provider (code 900 and friends). */
  TEMPORARY_SERVER_ERROR = 'TEMPORARY_SERVER_ERROR',
  /** 429 from the provider. */
  TEMPORARY_THROTTLED = 'TEMPORARY_THROTTLED',
  /** Our circuit breaker is open: the call was not sent. */
  TEMPORARY_CIRCUIT_OPEN = 'TEMPORARY_CIRCUIT_OPEN',
  /** Our per-instance rate limit had no slot within the wait bound: the call was not sent. */
  TEMPORARY_RATE_LIMITED = 'TEMPORARY_RATE_LIMITED',
  /** A 2xx whose body is not the documented envelope. */
  TEMPORARY_INVALID_RESPONSE = 'TEMPORARY_INVALID_RESPONSE',
  /** 401: bad credentials (token fetch) or a token refused even after one refresh. */
  UNAUTHORIZED = 'UNAUTHORIZED',
  /** Any other 403. */
  FORBIDDEN = 'FORBIDDEN',
  /**
   * The provider refuses our set-up, whatever the request: 403 `903 FORBIDDEN`, 400 `1550
   * PARTNER_USER_ID_CAN_NOT_BE_EMPTY`, an onboarding-partner value it does not issue to us (403
   * `110 ONBOARDING_PARTNER_DOES_NOT_BELONG_TO_CLIENT`) or none. Permanent: never retried, raised
   * loudly (ConfigurationAlarm: a log line, a metric, a `degraded` detail on /health/ready).
   */
  CONFIGURATION = 'CONFIGURATION',
  /** 400 validation or missing header (codes 1650, 1539). */
  VALIDATION = 'VALIDATION',
  /** 400 DUPLICATE_PARTNER_SESSION_ID: an earlier request with this session id reached the provider. */
  DUPLICATE_SESSION = 'DUPLICATE_SESSION',
  /**
   * 400 `1653 SUBMISSION_DOES_NOT_BELONG_TO_USER` or `1553
   * PARTNER_SESSION_ID_DOES_NOT_BELONG_TO_THE_USER`: the session is another user's. A conflict for
   * operators, not something a retry fixes.
   */
  SUBMISSION_NOT_OWNED = 'SUBMISSION_NOT_OWNED',
  /**
   * Nothing for that user yet: 404 `1514`/`1518`, or 400 `1552 SUBMISSION_DOES_NOT_EXIST` (the
   * provider uses both statuses, so this is decided on `cause`/`code`, not on the status). A 404
   * without those (a wrong base URL) is NOT_FOUND too but is not "not yet": see `isNotYet`.
   */
  NOT_FOUND = 'NOT_FOUND',
  /** Any other 4xx. */
  REJECTED = 'REJECTED',
}

export type OneKycOperation = 'token' | 'initiateFlow' | 'getSubmissionDetails';

export interface OneKycExceptionInit {
  kind: OneKycErrorKind;
  operation: OneKycOperation;
  message: string;
  httpStatus?: number;
  code?: string;
  cause?: string;
  entity?: string;
  /**
   * True when the request may have reached the provider and taken effect although we saw no
   * success (timeout, 5xx, reset, unreadable 2xx). Matters for Initiate Flow: see onekyc.client.ts.
   */
  ambiguous?: boolean;
  /** A hint for callers and for `Retry-After` (seconds). */
  retryAfterSeconds?: number;
  error?: unknown;
}

export class OneKycException extends FeatureError<'PROVIDER_REFUSED' | 'PROVIDER_UNAVAILABLE'> {
  readonly kind: OneKycErrorKind;
  readonly operation: OneKycOperation;
  readonly httpStatus?: number;
  /** The provider's error `code` (a string, e.g. "1539"). */
  readonly code?: string;
  /** The provider's error `cause` (e.g. "INVALID_FLOW"). Named so to avoid Error.cause. */
  readonly providerCause?: string;
  readonly entity?: string;
  readonly ambiguous: boolean;
  readonly retryAfterSeconds?: number;

  constructor(init: OneKycExceptionInit) {
    super(init.message, init.error !== undefined ? { cause: init.error } : undefined);
    this.name = 'OneKycException';
    this.kind = init.kind;
    this.operation = init.operation;
    this.httpStatus = init.httpStatus;
    this.code = init.code;
    this.providerCause = init.cause;
    this.entity = init.entity;
    this.ambiguous = init.ambiguous ?? false;
    this.retryAfterSeconds = init.retryAfterSeconds;
  }

  /** Refused when the provider answered at all; unavailable when it did not. */
  get problemCode(): 'PROVIDER_REFUSED' | 'PROVIDER_UNAVAILABLE' {
    return this.httpStatus === undefined ? 'PROVIDER_UNAVAILABLE' : 'PROVIDER_REFUSED';
  }

  override problemDetail(): string {
    return this.httpStatus === undefined
      ? 'The identity provider is not answering right now; try again later.'
      : `The identity provider refused the request${this.providerCause ? `: ${this.providerCause}` : ''}.`;
  }

  override problemExtensions(): Record<string, unknown> {
    if (this.httpStatus === undefined) return { kind: this.kind };
    return {
      kind: this.kind,
      ...(this.providerCause !== undefined ? { cause: this.providerCause } : {}),
      ...(this.code !== undefined ? { code: this.code } : {}),
    };
  }

  override problemHeaders(): Record<string, string> {
    if (!this.isTemporary && this.httpStatus !== undefined) return {};
    const seconds = this.isTemporary
      ? (this.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS)
      : DEFAULT_RETRY_AFTER_SECONDS;
    return { 'retry-after': String(Math.max(1, Math.ceil(seconds))) };
  }

  /** Worth trying again later (maybe with a new session id for Initiate Flow). */
  get isTemporary(): boolean {
    return isTemporaryKind(this.kind);
  }

  /** The provider looked down: what the circuit breaker counts. */
  get isOutage(): boolean {
    return (
      this.kind === OneKycErrorKind.TEMPORARY_NETWORK ||
      this.kind === OneKycErrorKind.TEMPORARY_TIMEOUT ||
      this.kind === OneKycErrorKind.TEMPORARY_SERVER_ERROR
    );
  }

  /** Loggable summary: kind, operation, status and the provider's code/cause; never headers or bodies. */
  toLog(): Record<string, unknown> {
    return {
      kind: this.kind,
      operation: this.operation,
      httpStatus: this.httpStatus,
      code: this.code,
      cause: this.providerCause,
      ambiguous: this.ambiguous,
    };
  }
}

export function isTemporaryKind(kind: OneKycErrorKind): boolean {
  return kind.startsWith('TEMPORARY_');
}
