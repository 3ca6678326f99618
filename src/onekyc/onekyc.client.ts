// The one client of the OneKYC provider's API: the partner token, Initiate Flow and Get
// Submission Details. It owns base URLs, headers, a fresh timeout per call, keep-alive
// connections, the per-instance rate limit, a circuit breaker per host, retries, metrics, and the
// mapping of the provider's envelope to data or a typed OneKycException.
//
// Retries (cockatiel), and why Initiate Flow is different:
// - Token fetch and Get Submission Details are reads: retried on any temporary failure (network,
//   timeout, 5xx, 429) with capped, jittered exponential backoff.
// - Initiate Flow creates a session keyed by `x-partner-session-id`, and the provider answers
//   DUPLICATE_PARTNER_SESSION_ID to a repeat (it does not replay the SDK token). So a repeat with
//   the same id after a timeout, 5xx or reset would turn a first attempt that actually succeeded
//   into an error, and the user's SDK token would be lost. The client therefore retries it only
//   when the request certainly never reached the provider (connection refused/DNS failure before
//   sending, a 429 whose Retry-After fits the backoff cap, a 401 answered by one token refresh),
//   always with the same session id. Ambiguous failures (timeout, 5xx, reset, unreadable 2xx) are
//   NOT retried here: they surface as OneKycException with a TEMPORARY_* kind and
//   `ambiguous: true`. The caller (flows) records the attempt and retries under a NEW session id;
//   a DUPLICATE_SESSION answer for an id we sent before means that earlier attempt reached the
//   provider. An open breaker or an exhausted rate-limit wait fails at once (not sent, not retried).
import { Inject, Injectable, OnModuleDestroy, Optional } from '@nestjs/common';
import {
  CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhen,
  isBrokenCircuitError,
  retry,
  RetryPolicy,
} from 'cockatiel';
import { AppConfig } from '../config/app-config.js';
import { providerBackoff } from './backoff.js';
import { ConfigurationAlarm } from './configuration-alarm.service.js';
import {
  interpretResponse,
  isNotYet,
  parseInstant,
  parseSeconds,
  transportFailure,
} from './onekyc-envelope.js';
import { OneKycErrorKind, OneKycException, OneKycOperation } from './onekyc.exception.js';
import { OneKycMetrics } from './onekyc.metrics.js';
import {
  CallPriority,
  GetSubmissionDetailsInput,
  InitiateFlowInput,
  InitiateFlowResult,
  ONEKYC_FLOW,
  OneKycSubmissionDetails,
  PartnerToken,
} from './onekyc.types.js';
import {
  ProviderAnswerTooLargeError,
  ProviderRequest,
  ProviderResponse,
  ProviderTransport,
} from './provider-transport.js';
import { ClusterBudget } from './cluster-budget.js';
import {
  PROVIDER_CALL_BUDGET_STORE,
  ProviderCallBudgetRepository,
} from './provider-call-budget.repository.js';
import { PartnerTokenCache } from './partner-token.cache.js';
import { RateLimiter, RateLimitWaitExceededError } from './rate-limiter.js';

export const TOKEN_PATH = '/v1/esign/partner/authentication';
export const INITIATE_FLOW_PATH = '/esign-partner/v1/initiate-flow';
export const SUBMISSIONS_PATH = '/esign-partner/v1/submissions';

/** Tuning that is not part of the contract's configuration (tests shorten it). */
export interface OneKycClientOptions {
  retry: { maxRetries: number; baseMs: number; maxMs: number };
  breaker: { consecutiveFailures: number; halfOpenAfterMs: number };
  rateLimit: { maxWaitMs: number; backgroundShare: number };
}
export const ONEKYC_CLIENT_OPTIONS = Symbol('ONEKYC_CLIENT_OPTIONS');
export type OneKycClientOverrides = { [K in keyof OneKycClientOptions]?: Partial<OneKycClientOptions[K]> };

export const DEFAULT_CLIENT_OPTIONS: OneKycClientOptions = {
  retry: { maxRetries: 2, baseMs: 200, maxMs: 2000 },
  breaker: { consecutiveFailures: 5, halfOpenAfterMs: 10_000 },
  rateLimit: { maxWaitMs: 5000, backgroundShare: 0.7 },
};

export interface CallOptions {
  /** `background` (reconciliation) may use only part of the per-second budget. */
  priority?: CallPriority;
}

type Host = 'api' | 'token';

interface Breaker {
  policy: CircuitBreakerPolicy;
  openedAt: number;
}

/** Kinds that mean "not sent, and waiting again will not help right now". */
const NEVER_RETRIED = new Set([
  OneKycErrorKind.TEMPORARY_CIRCUIT_OPEN,
  OneKycErrorKind.TEMPORARY_RATE_LIMITED,
]);

@Injectable()
export class OneKycClient implements OnModuleDestroy {
  private readonly options: OneKycClientOptions;
  private readonly limiter: RateLimiter;
  /** The count shared by every instance on the database (absent without one: client-only tests). */
  private readonly clusterBudget?: ClusterBudget;
  private readonly breakers: Record<Host, Breaker>;
  private readonly readRetry: RetryPolicy;
  private readonly initiateRetry: RetryPolicy;
  /** Keep-alive connections to both provider hosts (see provider-transport.ts). */
  private readonly transport = new ProviderTransport({ connections: 256 });
  /** The partner token every API call carries, minted by fetchPartnerToken(). */
  readonly tokens: PartnerTokenCache;

  constructor(
    private readonly config: AppConfig,
    private readonly metrics: OneKycMetrics,
    @Optional() @Inject(ONEKYC_CLIENT_OPTIONS) options?: OneKycClientOverrides,
    @Optional() @Inject(PROVIDER_CALL_BUDGET_STORE) budgetStore?: ProviderCallBudgetRepository | null,
    @Optional() private readonly alarm: ConfigurationAlarm = ConfigurationAlarm.create(),
  ) {
    this.options = {
      retry: { ...DEFAULT_CLIENT_OPTIONS.retry, ...options?.retry },
      breaker: { ...DEFAULT_CLIENT_OPTIONS.breaker, ...options?.breaker },
      rateLimit: { ...DEFAULT_CLIENT_OPTIONS.rateLimit, ...options?.rateLimit },
    };
    this.limiter = new RateLimiter({
      maxPerSecond: config.onekyc.maxRps,
      maxWaitMs: this.options.rateLimit.maxWaitMs,
      backgroundShare: this.options.rateLimit.backgroundShare,
    });
    if (budgetStore) {
      this.clusterBudget = new ClusterBudget(budgetStore, {
        maxPerSecond: config.onekyc.maxRps,
        maxWaitMs: this.options.rateLimit.maxWaitMs,
        backgroundShare: this.options.rateLimit.backgroundShare,
      });
    }
    this.breakers = { api: this.makeBreaker('api'), token: this.makeBreaker('token') };
    const backoff = providerBackoff(this.options.retry);
    const maxAttempts = this.options.retry.maxRetries;
    this.readRetry = retry(
      handleWhen((e) => e instanceof OneKycException && e.isTemporary && !NEVER_RETRIED.has(e.kind)),
      { maxAttempts, backoff },
    );
    this.initiateRetry = retry(
      handleWhen(
        (e) =>
          e instanceof OneKycException &&
          e.isTemporary &&
          !e.ambiguous &&
          !NEVER_RETRIED.has(e.kind) &&
          (e.retryAfterSeconds ?? 0) * 1000 <= this.options.retry.maxMs,
      ),
      { maxAttempts, backoff },
    );
    this.tokens = new PartnerTokenCache({
      fetch: () => this.fetchPartnerToken(),
      refreshMarginMs: config.onekyc.tokenRefreshMarginSeconds * 1000,
      fetches: metrics.tokenFetches,
    });
  }

  /** Mints a partner token (GET token host). Callers want `tokens.getToken()` instead. */
  async fetchPartnerToken(): Promise<PartnerToken> {
    const { tokenBaseUrl, clientId, passKey } = this.config.onekyc;
    const data = (await this.readRetry.execute(() =>
      this.send('token', 'token', 'foreground', {
        method: 'GET',
        url: tokenBaseUrl + TOKEN_PATH,
        headers: { 'client-id': clientId, 'pass-key': passKey, accept: 'application/json' },
      }),
    )) as Record<string, unknown>;
    const fetchedAtMs = Date.now();
    const token = data.token;
    const expiresAt = parseInstant(data.expires_at);
    const lifetime = parseSeconds(data.expiry_seconds);
    // Trust the provider's expires_at, but not past the lifetime counted on our own clock (skew).
    const candidates = [
      expiresAt !== undefined && expiresAt > fetchedAtMs ? expiresAt : undefined,
      lifetime !== undefined && lifetime > 0 ? fetchedAtMs + lifetime * 1000 : undefined,
    ].filter((v): v is number => v !== undefined);
    if (typeof token !== 'string' || token.length === 0 || candidates.length === 0) {
      throw invalid('token', 'token answer lacks token or a future expires_at');
    }
    return { token, expiresAtMs: Math.min(...candidates), fetchedAtMs };
  }

  /**
   * Initiate Flow: issues the SDK token (or launch URL) for one session. Not retried when the
   * outcome is ambiguous: see the comment at the top of this file.
   */
  async initiateFlow(input: InitiateFlowInput, opts: CallOptions = {}): Promise<InitiateFlowResult> {
    const source = input.source ?? this.config.onekyc.source;
    const body = buildInitiateBody(input, source);
    const data = (await this.withToken((token) =>
      this.initiateRetry.execute(() =>
        this.send('initiateFlow', 'api', opts.priority ?? 'foreground', {
          method: 'POST',
          url: this.config.onekyc.apiBaseUrl + INITIATE_FLOW_PATH,
          headers: {
            ...this.sessionHeaders(token, input),
            [this.config.onekyc.onboardingPartnerHeader]: this.config.onekyc.onboardingPartners[source],
            'content-type': 'application/json',
          },
          body: JSON.stringify(body),
        }),
      ),
    )) as Record<string, unknown>;
    return parseInitiateResult(data, source);
  }

  /**
   * Get Submission Details: the user's CURRENT submission, which may belong to another of their
   * sessions (compare `partnerSessionId`). `null` when the provider has none yet (404 1514/1518,
   * or 400 1552: decided on the provider's cause/code, not on the status).
   */
  async getSubmissionDetails(
    input: GetSubmissionDetailsInput,
    opts: CallOptions = {},
  ): Promise<OneKycSubmissionDetails | null> {
    try {
      const data = await this.withToken((token) =>
        this.readRetry.execute(() =>
          this.send('getSubmissionDetails', 'api', opts.priority ?? 'foreground', {
            method: 'GET',
            url: this.config.onekyc.apiBaseUrl + SUBMISSIONS_PATH,
            headers: this.sessionHeaders(token, input),
          }),
        ),
      );
      return parseSubmissionDetails(data as Record<string, unknown>);
    } catch (err) {
      if (
        err instanceof OneKycException &&
        err.kind === OneKycErrorKind.NOT_FOUND &&
        isNotYet({ code: err.code, cause: err.providerCause })
      ) {
        return null;
      }
      throw err;
    }
  }

  /**
   * Throws the TEMPORARY_CIRCUIT_OPEN exception a call would get right now, without calling:
   * lets a caller refuse work before writing anything while the provider is known to be down.
   */
  assertAvailable(operation: OneKycOperation): void {
    this.failFastIfOpen(operation, 'api');
  }

  async onModuleDestroy(): Promise<void> {
    this.tokens.close();
    this.limiter.close();
    await this.transport.destroy();
  }

  private sessionHeaders(
    token: string,
    input: { userId: string; userIdType: string; partnerSessionId: string },
  ): Record<string, string> {
    return {
      'x-onekyc-token': token,
      'x-partner-user-id': input.userId,
      'x-partner-user-id-type': input.userIdType,
      'x-partner-session-id': input.partnerSessionId,
      accept: 'application/json',
    };
  }

  /** One 401 → one forced token refresh → one more try; never a loop. */
  private async withToken<T>(call: (token: string) => Promise<T>): Promise<T> {
    const token = await this.tokens.getToken();
    try {
      return await call(token);
    } catch (err) {
      if (!(err instanceof OneKycException) || err.kind !== OneKycErrorKind.UNAUTHORIZED) throw err;
      return call(await this.tokens.refreshAfterUnauthorized(token));
    }
  }

  /** One attempt: breaker check, a rate-limit slot, then the HTTP call inside the breaker. */
  private async send(
    operation: OneKycOperation,
    host: Host,
    priority: CallPriority,
    request: ProviderRequest,
  ): Promise<unknown> {
    this.failFastIfOpen(operation, host);
    const waitStarted = performance.now();
    try {
      // A token fetch is served first but is not partner traffic: reconciliation's first poll
      // needs one too, and must not shrink its own share to backgroundShare for five seconds.
      const partnerActivity = operation !== 'token';
      await this.limiter.acquire(priority, { partnerActivity });
      // Then the cluster's count: ONEKYC_MAX_RPS is the partner's limit for all instances together.
      await this.clusterBudget?.take(priority, { partnerActivity });
    } catch (err) {
      if (!(err instanceof RateLimitWaitExceededError)) throw err;
      throw new OneKycException({
        kind: OneKycErrorKind.TEMPORARY_RATE_LIMITED,
        operation,
        retryAfterSeconds: 1,
        message: `${operation}: ${err.message} (ONEKYC_MAX_RPS=${this.config.onekyc.maxRps})`,
      });
    } finally {
      this.metrics.rateLimitWait.observe({ priority }, (performance.now() - waitStarted) / 1000);
    }
    try {
      return await this.breakers[host].policy.execute(() => this.exchange(operation, request));
    } catch (err) {
      if (isBrokenCircuitError(err)) throw this.circuitOpen(operation, host);
      throw err;
    }
  }

  private async exchange(operation: OneKycOperation, request: ProviderRequest): Promise<unknown> {
    const started = performance.now();
    const signal = AbortSignal.timeout(this.config.onekyc.timeoutMs);
    let outcome = 'success';
    try {
      let res: ProviderResponse;
      try {
        res = await this.transport.send(request, signal);
      } catch (err) {
        if (err instanceof ProviderAnswerTooLargeError) {
          // An answer no real provider sends: an invalid answer (the call may have taken effect).
          throw new OneKycException({
            kind: OneKycErrorKind.TEMPORARY_INVALID_RESPONSE,
            operation,
            httpStatus: err.status,
            ambiguous: true,
            message: `${operation}: ${err.message}`,
          });
        }
        throw transportFailure(operation, err, signal.aborted);
      }
      const data = interpretResponse(operation, res);
      this.alarm.clear(operation);
      return data;
    } catch (err) {
      outcome = err instanceof OneKycException ? err.kind : 'UNKNOWN';
      if (err instanceof OneKycException) {
        if (err.kind === OneKycErrorKind.CONFIGURATION) this.alarm.raise(err);
        // "No submission yet" is an ordinary answer: the set-up works.
        else if (isNotYet({ code: err.code, cause: err.providerCause })) this.alarm.clear(operation);
      }
      throw err;
    } finally {
      const labels = { operation, outcome };
      this.metrics.requests.inc(labels);
      this.metrics.duration.observe(labels, (performance.now() - started) / 1000);
    }
  }

  private makeBreaker(host: Host): Breaker {
    const { consecutiveFailures, halfOpenAfterMs } = this.options.breaker;
    const policy = circuitBreaker(
      handleWhen((e) => e instanceof OneKycException && e.isOutage),
      { halfOpenAfter: halfOpenAfterMs, breaker: new ConsecutiveBreaker(consecutiveFailures) },
    );
    const breaker: Breaker = { policy, openedAt: 0 };
    this.metrics.breakerState.set({ host }, CircuitState.Closed);
    policy.onBreak(() => {
      breaker.openedAt = Date.now();
    });
    policy.onStateChange((state) => this.metrics.breakerState.set({ host }, state));
    return breaker;
  }

  /** While open, fail before waiting for a rate-limit slot; cockatiel decides the half-open probe. */
  private failFastIfOpen(operation: OneKycOperation, host: Host): void {
    const b = this.breakers[host];
    if (b.policy.state === CircuitState.Isolated) throw this.circuitOpen(operation, host);
    if (
      b.policy.state === CircuitState.Open &&
      Date.now() - b.openedAt < this.options.breaker.halfOpenAfterMs
    ) {
      throw this.circuitOpen(operation, host);
    }
  }

  private circuitOpen(operation: OneKycOperation, host: Host): OneKycException {
    const b = this.breakers[host];
    const remainingMs = Math.max(0, b.openedAt + this.options.breaker.halfOpenAfterMs - Date.now());
    return new OneKycException({
      kind: OneKycErrorKind.TEMPORARY_CIRCUIT_OPEN,
      operation,
      retryAfterSeconds: Math.max(1, Math.ceil(remainingMs / 1000)),
      message: `${operation}: circuit breaker open for the provider ${host} host`,
    });
  }
}

/** The Initiate Flow request body from our input. */
export function buildInitiateBody(
  input: InitiateFlowInput,
  source: 'SDK' | 'WEB_SDK',
): Record<string, unknown> {
  const verification = {
    isVerified: input.verification.isVerified,
    ...(input.verification.verificationReferenceId !== undefined
      ? { verificationReferenceId: input.verification.verificationReferenceId }
      : {}),
  };
  const dataVerification: Record<string, unknown> = {};
  const additionalDetails: Record<string, unknown> = {};
  if (input.phoneNumber !== undefined) {
    additionalDetails.phoneNumber = input.phoneNumber;
    dataVerification.phoneNumber = verification;
  }
  if (input.email !== undefined) {
    additionalDetails.email = input.email;
    dataVerification.email = verification;
  }
  additionalDetails.dataVerification = dataVerification;
  // Smart QR exists only in the hosted web flow; the API refuses it for SDK before we get here.
  if (source === 'WEB_SDK') {
    if (input.allowQr !== undefined) additionalDetails.allowQr = input.allowQr;
    if (input.forceQr !== undefined) additionalDetails.forceQr = input.forceQr;
  }
  return {
    flow: ONEKYC_FLOW,
    source,
    ...(input.successRedirectionUrl !== undefined
      ? { successRedirectionUrl: input.successRedirectionUrl }
      : {}),
    ...(input.failureRedirectionUrl !== undefined
      ? { failureRedirectionUrl: input.failureRedirectionUrl }
      : {}),
    additionalDetails,
    userLocale: input.userLocale ?? 'id_ID',
  };
}

export function parseInitiateResult(
  data: Record<string, unknown>,
  source: 'SDK' | 'WEB_SDK',
): InitiateFlowResult {
  const expiresAtMs = parseInstant(data.expiresAt);
  const expirySeconds = parseSeconds(data.expirySeconds);
  const sdkToken = typeof data.token === 'string' && data.token ? data.token : undefined;
  const launchUrl = typeof data.launchUrl === 'string' && data.launchUrl ? data.launchUrl : undefined;
  if (
    (source === 'SDK' ? !sdkToken : !launchUrl) ||
    (expiresAtMs === undefined && expirySeconds === undefined)
  ) {
    // The session exists at the provider but we cannot use the answer: ambiguous for the caller.
    throw invalid(
      'initiateFlow',
      `initiate-flow answer lacks ${source === 'SDK' ? 'token' : 'launchUrl'} or expiry`,
    );
  }
  const expiresAt = new Date(expiresAtMs ?? Date.now() + expirySeconds! * 1000);
  return {
    source,
    ...(sdkToken ? { sdkToken } : {}),
    ...(launchUrl ? { launchUrl } : {}),
    expiresAt,
    expirySeconds: expirySeconds ?? Math.max(0, Math.round((expiresAt.getTime() - Date.now()) / 1000)),
  };
}

export function parseSubmissionDetails(data: Record<string, unknown>): OneKycSubmissionDetails {
  const str = (v: unknown) => typeof v === 'string' && v.length > 0;
  if (!str(data.submissionId) || !str(data.partnerSessionId) || !str(data.status)) {
    throw invalid('getSubmissionDetails', 'submission answer lacks submissionId, partnerSessionId or status');
  }
  return data as unknown as OneKycSubmissionDetails;
}

function invalid(operation: OneKycOperation, message: string): OneKycException {
  return new OneKycException({
    kind: OneKycErrorKind.TEMPORARY_INVALID_RESPONSE,
    operation,
    ambiguous: true,
    message: `${operation}: ${message}`,
  });
}
