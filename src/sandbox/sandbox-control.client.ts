// A small typed client for the sandbox's control API (/sandbox/...), for tests, the benchmark and
// scripts. Plain fetch, no dependencies. Throws SandboxControlError on any non-2xx answer.
import type { KtpData, OneKycCallbackBody, VerificationResult } from '../onekyc/onekyc.types.js';
import type { DeliveryAttempt, DispatchReport } from './sandbox-callbacks.js';
import type {
  CallbackMethod,
  OnboardingPartnerHeaderMode,
  SandboxEndpoint,
  SandboxFaults,
  SandboxFaultsPatch,
  Source,
} from './sandbox.config.js';

export class SandboxControlError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`sandbox control API answered ${status}: ${body.slice(0, 300)}`);
    this.name = 'SandboxControlError';
  }
}

export interface SandboxSettings {
  clientId: string;
  onboardingPartners: Record<Source, string>;
  onboardingPartnerHeader: OnboardingPartnerHeaderMode;
  callbackUrl: string | null;
  callbackMethod: CallbackMethod;
  callbackAuthHeader: string;
  callbackAuthValueSet: boolean;
  seed: number | null;
}

export interface SandboxSettingsPatch {
  callbackUrl?: string | null;
  callbackMethod?: CallbackMethod;
  callbackAuthHeader?: string;
  callbackAuthValue?: string | null;
  onboardingPartnerHeader?: OnboardingPartnerHeaderMode;
  /** The value the provider issued per platform (a value sent with the other source is 403). */
  onboardingPartners?: Partial<Record<Source, string>>;
}

export interface CompleteRequest {
  /** Default COMPLETED. */
  status?: OneKycCallbackBody['status'];
  /** Default VALID when COMPLETED, none otherwise. */
  result?: 'VALID' | 'INVALID' | 'REJECTED';
  /** Default: consistent with the result (DUKCAPIL_REJECTED for INVALID, SYSTEM_ERROR for ERROR...). */
  reasonCode?: string | null;
  verificationResult?: VerificationResult;
  ktpData?: Partial<KtpData>;
  /** Send the callback (default true). */
  deliver?: boolean;
  /** Wait for the first delivery attempts before answering (default true). */
  wait?: boolean;
  /** Only for a session the sandbox never saw: whose it is. */
  userId?: string;
  userIdType?: string;
  /** A fault, in the callback and in polls: the result names another user (string) or none (null). */
  resultUserId?: string | null;
  resultUserIdType?: string | null;
  /** Default certificateRegistration; the certificate flow's example has it in submissionDetails. */
  eligibleToActivateUnder?: 'certificateRegistration' | 'submissionDetails';
  eligibleToActivate?: boolean;
}

export interface CompleteResponse {
  submission: OneKycCallbackBody;
  /** IN_PROGRESS is never sent by callback (reason `polling-only`). */
  delivery: DispatchReport | { sent: false; reason: 'not-requested'; attempts: [] };
  /** WEB_SDK sessions: where the hosted flow would send the user back (status, partner_session_id, error_code). */
  redirect?: string;
}

export interface SigningCallbackRequest {
  callbackType: 'USER_BASIS' | 'DOCUMENT_BASIS';
  /** Ties the callback to this session's user (and submission, when it has one). */
  partnerSessionId?: string;
  /** Merged over the generated body. */
  fields?: Record<string, unknown>;
  wait?: boolean;
}

export interface SeedRequest {
  /** Complete these sessions (created when the sandbox never saw them). */
  sessions?: { partnerSessionId: string; userId: string; userIdType: string }[];
  /** Complete every initiated session that has no submission yet. */
  pending?: boolean;
  /** Generate this many new sessions and users, completed. */
  count?: number;
  userIdPrefix?: string;
  userIdType?: string;
  status?: CompleteRequest['status'];
  result?: CompleteRequest['result'];
  reasonCode?: string | null;
  /** Default true; false answers only the count (large seeds). */
  returnIds?: boolean;
}

export interface SeedResponse {
  completed: number;
  submissions?: { partnerSessionId: string; userId: string; userIdType: string; submissionId: string }[];
}

export interface SandboxStatsView {
  since: string;
  calls: Record<SandboxEndpoint, number>;
  /** Response counts by HTTP status (or "timeout") per endpoint. */
  responses: Record<SandboxEndpoint, Record<string, number>>;
  /** Calls per epoch second (keys are epoch seconds). */
  perSecond: Record<SandboxEndpoint | 'all', Record<string, number>>;
  maxPerSecond: Record<SandboxEndpoint | 'all', number>;
  tokenFetches: number;
  tokensIssued: number;
  callbacks: {
    attempts: number;
    delivered: number;
    failed: number;
    dropped: number;
    retried: number;
    gaveUp: number;
    pending: number;
  };
  /** Image URL requests: answered with a body, refused 403 (of which expired), unknown (404). */
  images: { served: number; denied: number; expired: number; notFound: number };
}

export interface SandboxSessionView {
  session: {
    partnerSessionId: string;
    userId: string;
    userIdType: string;
    source: 'SDK' | 'WEB_SDK';
    createdAt: string;
    expiresAt: string;
    seeded: boolean;
    /** What Initiate Flow was asked for (null for seeded sessions). */
    request: {
      onboardingPartner: string;
      allowQr?: boolean;
      forceQr?: boolean;
      successRedirectionUrl?: string;
      failureRedirectionUrl?: string;
    } | null;
  };
  submission: OneKycCallbackBody | null;
}

export class SandboxControlClient {
  private readonly base: string;

  constructor(baseUrl: string) {
    this.base = baseUrl.replace(/\/+$/, '');
  }

  settings(): Promise<SandboxSettings> {
    return this.call('GET', '/sandbox/settings');
  }

  updateSettings(patch: SandboxSettingsPatch): Promise<SandboxSettings> {
    return this.call('PATCH', '/sandbox/settings', patch);
  }

  faults(): Promise<SandboxFaults> {
    return this.call('GET', '/sandbox/faults');
  }

  /** Merges into the current faults; `all` applies to every endpoint. */
  setFaults(patch: SandboxFaultsPatch): Promise<SandboxFaults> {
    return this.call('PATCH', '/sandbox/faults', patch);
  }

  /** Back to the faults the sandbox started with (its SANDBOX_* environment). */
  resetFaults(): Promise<SandboxFaults> {
    return this.call('DELETE', '/sandbox/faults');
  }

  async revokeTokens(): Promise<number> {
    return (await this.call<{ revoked: number }>('POST', '/sandbox/tokens/revoke', {})).revoked;
  }

  async tokens(): Promise<{ label: string; issuedAt: string; expiresAt: string; revoked: boolean }[]> {
    return (await this.call<{ tokens: [] }>('GET', '/sandbox/tokens')).tokens;
  }

  /** The session and its submission, or undefined when the sandbox never saw it. */
  async session(partnerSessionId: string): Promise<SandboxSessionView | undefined> {
    try {
      return await this.call('GET', `/sandbox/sessions/${encodeURIComponent(partnerSessionId)}`);
    } catch (err) {
      if (err instanceof SandboxControlError && err.status === 404) return undefined;
      throw err;
    }
  }

  /** Finishes capture for a session with the chosen outcome and (by default) sends the callback. */
  complete(partnerSessionId: string, request: CompleteRequest = {}): Promise<CompleteResponse> {
    return this.call('POST', `/sandbox/sessions/${encodeURIComponent(partnerSessionId)}/complete`, request);
  }

  /** Sends a signing callback (`callbackType`) to the callback URL, like the e-signing product. */
  signingCallback(
    request: SigningCallbackRequest,
  ): Promise<{ body: Record<string, unknown>; delivery: DispatchReport }> {
    return this.call('POST', '/sandbox/signing-callbacks', request);
  }

  /** Completes many sessions at once, without callbacks (reconciliation must find them). */
  seed(request: SeedRequest): Promise<SeedResponse> {
    return this.call('POST', '/sandbox/seed', request);
  }

  stats(): Promise<SandboxStatsView> {
    return this.call('GET', '/sandbox/stats');
  }

  resetStats(): Promise<SandboxStatsView> {
    return this.call('POST', '/sandbox/stats/reset', {});
  }

  /** Get Submission Details calls per x-partner-session-id. */
  polls(): Promise<{ total: number; bySession: Record<string, number> }> {
    return this.call('GET', '/sandbox/polls');
  }

  callbacks(): Promise<{ pending: number; log: DeliveryAttempt[] }> {
    return this.call('GET', '/sandbox/callbacks');
  }

  /** Waits until no callback delivery (or scheduled retry) is pending; false on timeout. */
  async waitForCallbacksIdle(timeoutMs = 10_000): Promise<boolean> {
    return (await this.call<{ idle: boolean }>('POST', '/sandbox/callbacks/wait-idle', { timeoutMs })).idle;
  }

  /** Forgets tokens, sessions, submissions and statistics; faults back to the start values. */
  async reset(): Promise<void> {
    await this.call('POST', '/sandbox/reset', {});
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(this.base + path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new SandboxControlError(res.status, text);
    return JSON.parse(text) as T;
  }
}
