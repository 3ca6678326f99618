// The sandbox's memory: partner tokens it minted, sessions opened by Initiate Flow (or seeded),
// each session's submission, the user's current submission, and the call statistics tests and
// the benchmark read. Everything is lost on restart, like a fresh provider sandbox.
import { createHash } from 'node:crypto';
import type {
  KtpData,
  OneKycCallbackBody,
  OneKycSubmissionDetails,
  OneKycSubmissionResult,
  OneKycSubmissionStatus,
  VerificationResult,
} from '../onekyc/onekyc.types.js';
import { ONEKYC_FLOW } from '../onekyc/onekyc.types.js';
import type { SandboxEndpoint } from './sandbox.config.js';
import { signImagePath } from './sandbox-images.js';

export interface IssuedToken {
  token: string;
  issuedAtMs: number;
  expiresAtMs: number;
  revoked: boolean;
}

export interface SandboxSession {
  partnerSessionId: string;
  userId: string;
  userIdType: string;
  source: 'SDK' | 'WEB_SDK';
  createdAtMs: number;
  /** When the SDK token / launch URL stops working. */
  expiresAtMs: number;
  seeded: boolean;
  submissionId?: string;
  /** What Initiate Flow was asked for (tests check what the service sent; no contact data). */
  request?: {
    onboardingPartner: string;
    allowQr?: boolean;
    forceQr?: boolean;
    successRedirectionUrl?: string;
    failureRedirectionUrl?: string;
  };
}

export interface SandboxSubmission {
  submissionId: string;
  partnerSessionId: string;
  userId: string;
  userIdType: string;
  status: OneKycSubmissionStatus;
  result?: OneKycSubmissionResult;
  reasonCode: string | null;
  verificationResult?: VerificationResult;
  ktpData: KtpData;
  imageBaseUrl: string;
  /** Key that signs the image URLs (the sandbox's, one per start). */
  imageKey: Buffer;
  /** When this state's image URLs stop working (epoch seconds): signed when the state is recorded. */
  imageExpires: number;
  processedAtMs: number;
  /** A fault: the result names another user (a string), or none (null), instead of the session's. */
  reportedUserId?: string | null;
  reportedUserIdType?: string | null;
  /** Where `eligibleToActivate` sits (the certificate flow's example puts it in submissionDetails). */
  eligibleToActivateUnder: 'certificateRegistration' | 'submissionDetails';
  eligibleToActivate: boolean;
}

export class SandboxStore {
  readonly tokens = new Map<string, IssuedToken>();
  readonly sessions = new Map<string, SandboxSession>();
  readonly submissions = new Map<string, SandboxSubmission>();
  /** `${userIdType}\u0000${userId}` → submissionId of the user's current (latest) submission. */
  private readonly currentByUser = new Map<string, string>();
  readonly stats = new SandboxStats();

  /** Records a submission's new state and makes it the user's current one. */
  putSubmission(sub: SandboxSubmission): void {
    this.submissions.set(sub.submissionId, sub);
    const session = this.sessions.get(sub.partnerSessionId);
    if (session) session.submissionId = sub.submissionId;
    this.currentByUser.set(userKey(sub.userId, sub.userIdType), sub.submissionId);
  }

  currentSubmission(userId: string, userIdType: string): SandboxSubmission | undefined {
    const id = this.currentByUser.get(userKey(userId, userIdType));
    return id ? this.submissions.get(id) : undefined;
  }

  revokeTokens(): number {
    let n = 0;
    for (const t of this.tokens.values()) {
      if (!t.revoked) {
        t.revoked = true;
        n++;
      }
    }
    return n;
  }

  /** Forgets expired tokens so a long run does not grow without bound. */
  pruneTokens(now: number): void {
    if (this.tokens.size < 1000) return;
    for (const [k, t] of this.tokens) if (t.expiresAtMs < now - 60_000) this.tokens.delete(k);
  }

  clear(): void {
    this.tokens.clear();
    this.sessions.clear();
    this.submissions.clear();
    this.currentByUser.clear();
    this.stats.reset();
  }
}

export function userKey(userId: string, userIdType: string): string {
  return `${userIdType}\u0000${userId}`;
}

/** The path an image URL signs (the query adds `expires` and `signature`). */
export function imagePath(submissionId: string, kind: string): string {
  return `/sandbox/images/${encodeURIComponent(submissionId)}/${kind}`;
}

/** The result callback body for a submission's current state. */
export function callbackBody(sub: SandboxSubmission): OneKycCallbackBody {
  const imageUrl = (kind: string) => {
    const path = imagePath(sub.submissionId, kind);
    const signature = signImagePath(sub.imageKey, path, sub.imageExpires);
    return `${sub.imageBaseUrl}${path}?expires=${sub.imageExpires}&signature=${signature}`;
  };
  const reported = (value: string | null | undefined, own: string) =>
    value === undefined ? own : (value ?? undefined);
  const userId = reported(sub.reportedUserId, sub.userId);
  const userIdType = reported(sub.reportedUserIdType, sub.userIdType);
  const flat = sub.eligibleToActivateUnder === 'submissionDetails';
  return {
    submissionId: sub.submissionId,
    ...(userId !== undefined ? { userId } : {}),
    ...(userIdType !== undefined ? { userIdType } : {}),
    partnerSessionId: sub.partnerSessionId,
    status: sub.status,
    ...(sub.result !== undefined ? { result: sub.result } : {}),
    reasonCode: sub.reasonCode,
    processedAt: new Date(sub.processedAtMs).toISOString(),
    submissionDetails: {
      ...(sub.verificationResult ? { verificationResult: sub.verificationResult } : {}),
      ktpData: sub.ktpData,
      ...(flat ? { eligibleToActivate: sub.eligibleToActivate } : {}),
      certificateRegistration: {
        ...(flat ? {} : { eligibleToActivate: sub.eligibleToActivate }),
        onboardingCode: 'NEW_USER',
        shouldSkipActivation: true,
      },
      imageUrls: {
        KTP: imageUrl('KTP'),
        SELFIE: imageUrl('SELFIE'),
        ADDITIONAL_SELFIE: imageUrl('ADDITIONAL_SELFIE'),
      },
    },
  };
}

/** Get Submission Details `data`: the callback shape plus `flow`, `processedAt`, `reasonCode`. */
export function submissionDetails(sub: SandboxSubmission): OneKycSubmissionDetails {
  return {
    ...callbackBody(sub),
    flow: ONEKYC_FLOW,
    reasonCode: sub.reasonCode,
  };
}

/** A short, non-reversible label for a token (the control API never shows token values). */
export function tokenLabel(token: string): string {
  return createHash('sha256').update(token).digest('hex').slice(0, 10);
}

const PER_SECOND_KEEP = 3600;

export class SandboxStats {
  since = Date.now();
  calls: Record<SandboxEndpoint, number> = { token: 0, initiateFlow: 0, submissions: 0 };
  responses: Record<SandboxEndpoint, Record<string, number>> = {
    token: {},
    initiateFlow: {},
    submissions: {},
  };
  /** Calls received per epoch second, per endpoint and for all three together. */
  perSecond: Record<SandboxEndpoint | 'all', Map<number, number>> = {
    token: new Map(),
    initiateFlow: new Map(),
    submissions: new Map(),
    all: new Map(),
  };
  tokensIssued = 0;
  /** Get Submission Details calls per x-partner-session-id. */
  pollsBySession = new Map<string, number>();
  callbacks = { attempts: 0, delivered: 0, failed: 0, dropped: 0, retried: 0, gaveUp: 0 };
  /** Image URL requests: answered with a body, refused (of which expired), unknown. */
  images = { served: 0, denied: 0, expired: 0, notFound: 0 };

  recordCall(endpoint: SandboxEndpoint, now = Date.now()): void {
    this.calls[endpoint]++;
    const second = Math.floor(now / 1000);
    for (const key of [endpoint, 'all'] as const) {
      const m = this.perSecond[key];
      m.set(second, (m.get(second) ?? 0) + 1);
      if (m.size > PER_SECOND_KEEP) m.delete(m.keys().next().value as number);
    }
  }

  recordResponse(endpoint: SandboxEndpoint, outcome: number | 'timeout'): void {
    const key = String(outcome);
    this.responses[endpoint][key] = (this.responses[endpoint][key] ?? 0) + 1;
  }

  recordPoll(partnerSessionId: string): void {
    this.pollsBySession.set(partnerSessionId, (this.pollsBySession.get(partnerSessionId) ?? 0) + 1);
  }

  reset(): void {
    const fresh = new SandboxStats();
    Object.assign(this, fresh);
  }

  toJSON(pendingCallbacks: number): Record<string, unknown> {
    const perSecond: Record<string, Record<string, number>> = {};
    const maxPerSecond: Record<string, number> = {};
    for (const [k, m] of Object.entries(this.perSecond)) {
      perSecond[k] = Object.fromEntries([...m].map(([s, n]) => [String(s), n]));
      maxPerSecond[k] = Math.max(0, ...m.values());
    }
    return {
      since: new Date(this.since).toISOString(),
      calls: { ...this.calls },
      responses: structuredClone(this.responses),
      perSecond,
      maxPerSecond,
      tokenFetches: this.calls.token,
      tokensIssued: this.tokensIssued,
      callbacks: { ...this.callbacks, pending: pendingCallbacks },
      images: { ...this.images },
    };
  }
}
