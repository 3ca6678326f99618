// The provider's vocabulary (its API reference), shared by the client, the sandbox and the modules that
// consume results (callbacks, reconciliation). Values are the provider's strings, verbatim.

export const ONEKYC_FLOW = 'STANDALONE_IDENTITY_VERIFICATION' as const;

export const SUBMISSION_STATUSES = ['IN_PROGRESS', 'PARTIALLY_COMPLETED', 'COMPLETED', 'ERROR'] as const;
export type OneKycSubmissionStatus = (typeof SUBMISSION_STATUSES)[number];

/** `REJECTED` appears on some of the provider's pages only; accepted everywhere. */
export const SUBMISSION_RESULTS = ['VALID', 'INVALID', 'REJECTED'] as const;
export type OneKycSubmissionResult = (typeof SUBMISSION_RESULTS)[number];

export type CheckOutcome = 'PASS' | 'FAIL';
export interface VerificationResult {
  nik?: CheckOutcome;
  name?: CheckOutcome;
  dateOfBirth?: CheckOutcome;
  selfie?: CheckOutcome;
}

/** Indonesian national-ID data: personal data (PDP Law No. 27/2022). Never log it. */
export interface KtpData {
  nik: string;
  name: string;
  region?: string;
  dateOfBirth: string;
  bloodType?: string;
  religion?: string;
  province?: string;
  city?: string;
  address?: string;
  district?: string;
  town?: string;
  gender?: string;
  rt?: string;
  rw?: string;
  occupation?: string;
  validUntil?: string;
  citizenship?: string;
  maritalStatus?: string;
  issuanceDate?: string;
}

export interface CertificateRegistration {
  eligibleToActivate?: boolean;
  onboardingCode?: string;
  shouldSkipActivation?: boolean;
}

export interface SubmissionDetailsBody {
  verificationResult?: VerificationResult;
  ktpData?: KtpData;
  certificateRegistration?: CertificateRegistration;
  /** The certificate-registration flow's example puts it here instead of under
   * `certificateRegistration`: readers accept both. */
  eligibleToActivate?: boolean;
  /** Presigned, expire after 5 days. */
  imageUrls?: { KTP?: string; SELFIE?: string; ADDITIONAL_SELFIE?: string };
}

/** The result callback body (no envelope). `userId`/`userIdType` should name the session's user:
 * one that names another user, or none, is never applied (identity safety). */
export interface OneKycCallbackBody {
  submissionId: string;
  userId?: string;
  userIdType?: string;
  partnerSessionId: string;
  status: OneKycSubmissionStatus;
  result?: OneKycSubmissionResult | null;
  reasonCode?: string | null;
  /** When the provider processed this state (ISO 8601); callbacks may carry it too. */
  processedAt?: string | null;
  submissionDetails?: SubmissionDetailsBody;
}

/** Get Submission Details `data`: the callback shape plus `flow`, `processedAt`, `reasonCode`. */
export interface OneKycSubmissionDetails extends OneKycCallbackBody {
  flow: string;
}

export type OneKycUserLocale = 'id_ID' | 'en_ID';

export interface InitiateFlowInput {
  /** Our id for this attempt: the provider's idempotency key. Use a fresh one for each new attempt. */
  partnerSessionId: string;
  userId: string;
  userIdType: string;
  /** Defaults to `config.onekyc.source`. */
  source?: 'SDK' | 'WEB_SDK';
  phoneNumber?: string;
  email?: string;
  /** The partner's own verification of the contact; applied to each contact given. */
  verification: { isVerified: boolean; verificationReferenceId?: string };
  userLocale?: OneKycUserLocale;
  successRedirectionUrl?: string;
  failureRedirectionUrl?: string;
  /** Smart QR (WEB_SDK only): offer, or force, continuing the capture on a phone by QR code. */
  allowQr?: boolean;
  forceQr?: boolean;
}

export interface InitiateFlowResult {
  source: 'SDK' | 'WEB_SDK';
  /** Set for `SDK`: the token the mobile SDK starts with. A secret: never log it. */
  sdkToken?: string;
  /** Set for `WEB_SDK`. */
  launchUrl?: string;
  expiresAt: Date;
  expirySeconds: number;
}

export interface GetSubmissionDetailsInput {
  partnerSessionId: string;
  userId: string;
  userIdType: string;
}

export interface PartnerToken {
  token: string;
  /** When the provider stops accepting it (ms since epoch). */
  expiresAtMs: number;
  /** When we received it (ms since epoch). */
  fetchedAtMs: number;
}

/**
 * `background` calls (reconciliation) may use only part of the per-second budget so partner
 * initiations (`foreground`, the default) always find headroom.
 */
export type CallPriority = 'foreground' | 'background';
