import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { SubmissionResult, SubmissionStatus } from './submission-status.js';
import type { MaskedForms } from './pii/masking.js';

/**
 * One initiation of Standalone Identity Verification for one user. `id` is the
 * x-partner-session-id sent to the provider. Personal data only in *_enc (encrypted) columns.
 * Reads go through this entity; every write of `status` goes through
 * SubmissionsRepository.applyTransition.
 */
@Entity('submissions')
export class SubmissionEntity {
  @PrimaryColumn('uuid') id: string;
  @Column({ name: 'user_id', type: 'varchar' }) userId: string;
  @Column({ name: 'user_id_type', type: 'varchar' }) userIdType: string;
  @Column({ name: 'contact_type', type: 'varchar' }) contactType: 'PHONE' | 'EMAIL';
  /** Null once erased (POST /admin/erasures). */
  @Column({ name: 'contact_enc', type: 'text', nullable: true }) contactEnc: string | null;
  @Column({ name: 'contact_hash', type: 'char', nullable: true }) contactHash: string | null;
  @Column({ type: 'varchar' }) source: 'SDK' | 'WEB_SDK';
  @Column({ name: 'user_locale', type: 'varchar' }) userLocale: string;
  @Column({ type: 'varchar' }) status: SubmissionStatus;
  @Column({ type: 'varchar', nullable: true }) result: SubmissionResult | null;
  @Column({ name: 'reason_code', type: 'varchar', nullable: true }) reasonCode: string | null;
  @Column({ name: 'provider_submission_id', type: 'varchar', nullable: true }) providerSubmissionId:
    string | null;
  @Column({ name: 'initiated_at', type: 'timestamptz', nullable: true }) initiatedAt: Date | null;
  @Column({ name: 'sdk_expires_at', type: 'timestamptz', nullable: true }) sdkExpiresAt: Date | null;
  @Column({ name: 'initiation_error', type: 'jsonb', nullable: true }) initiationError: Record<
    string,
    unknown
  > | null;
  @Column({ name: 'verification_result', type: 'jsonb', nullable: true }) verificationResult: Record<
    string,
    unknown
  > | null;
  @Column({ name: 'certificate_registration', type: 'jsonb', nullable: true })
  certificateRegistration: Record<string, unknown> | null;
  @Column({ name: 'ktp_enc', type: 'text', nullable: true }) ktpEnc: string | null;
  @Column({ name: 'nik_hash', type: 'char', nullable: true }) nikHash: string | null;
  @Column({ name: 'image_urls_enc', type: 'text', nullable: true }) imageUrlsEnc: string | null;
  @Column({ name: 'image_urls_received_at', type: 'timestamptz', nullable: true })
  imageUrlsReceivedAt: Date | null;
  /** Masked phone, email, NIK and name for operators' lists (null on rows older than the column). */
  @Column({ name: 'pii_masked', type: 'jsonb', nullable: true }) piiMasked: MaskedForms | null;
  @Column({ name: 'pii_redacted_at', type: 'timestamptz', nullable: true }) piiRedactedAt: Date | null;
  @Column({ name: 'has_conflict', type: 'boolean' }) hasConflict: boolean;
  /** The provider's `processedAt` of the state we hold (null until a result carries one). */
  @Column({ name: 'provider_processed_at', type: 'timestamptz', nullable: true })
  providerProcessedAt: Date | null;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true }) completedAt: Date | null;
  @Column({ name: 'last_polled_at', type: 'timestamptz', nullable: true }) lastPolledAt: Date | null;
  @Column({ name: 'next_poll_at', type: 'timestamptz', nullable: true }) nextPollAt: Date | null;
  @Column({ name: 'poll_attempts', type: 'integer' }) pollAttempts: number;
  @Column({ type: 'integer' }) version: number;
  /** What the store noticed about the identity: NIK_USED_BY_OTHER_USER, CONTACT_USED_BY_OTHER_NIK. */
  @Column({ type: 'text', array: true, default: () => "'{}'" }) warnings: string[];
}
