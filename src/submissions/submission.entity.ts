import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { SubmissionResult, SubmissionStatus } from './submission-status.js';
import type { MaskedForms } from './pii/masking.js';

/**
 * One initiation of Standalone Identity Verification for one user. `id` is the
 * x-partner-session-id sent to the provider. Personal data only in *_enc (encrypted) columns.
 * The row type the store reads; every write goes through SubmissionsRepository. The decorators
 * describe the schema the migrations build (columns, defaults, checks, index names and columns;
 * TypeORM cannot say DESC, so index order lives in the migrations only), and
 * test/database/entities-match-migrations.intg-spec.ts keeps them in agreement.
 */
@Entity('submissions')
@Check('submissions_contact_type_check', `contact_type IN ('PHONE', 'EMAIL')`)
@Check('submissions_source_check', `source IN ('SDK', 'WEB_SDK')`)
@Check(
  'submissions_status_check',
  `status IN ('INITIATED', 'IN_PROGRESS', 'PARTIALLY_COMPLETED', 'COMPLETED', 'ERROR', 'EXPIRED', 'INITIATION_FAILED')`,
)
@Check('submissions_result_check', `result IN ('VALID', 'INVALID', 'REJECTED')`)
@Index('idx_submissions_created', ['createdAt', 'id'])
@Index('idx_submissions_status_created', ['status', 'createdAt', 'id'])
@Index('idx_submissions_result_created', ['result', 'createdAt', 'id'])
@Index('idx_submissions_user_created', ['userId', 'userIdType', 'createdAt', 'id'])
@Index('idx_submissions_user_any_type_created', ['userId', 'createdAt', 'id'])
@Index('idx_submissions_provider_submission', ['providerSubmissionId', 'createdAt', 'id'], {
  where: 'provider_submission_id IS NOT NULL',
})
@Index('idx_submissions_nik_hash', ['nikHash', 'createdAt', 'id'], { where: 'nik_hash IS NOT NULL' })
@Index('idx_submissions_contact_hash', ['contactHash', 'createdAt', 'id'], {
  where: 'contact_hash IS NOT NULL',
})
@Index('idx_submissions_due', ['nextPollAt'], {
  where: `status IN ('INITIATED', 'IN_PROGRESS', 'PARTIALLY_COMPLETED')`,
})
@Index('idx_submissions_retention_due', ['completedAt'], {
  where: 'pii_redacted_at IS NULL AND completed_at IS NOT NULL',
})
export class SubmissionEntity {
  @PrimaryColumn('uuid') id: string;
  @Column({ name: 'user_id', type: 'varchar', length: 128 }) userId: string;
  @Column({ name: 'user_id_type', type: 'varchar', length: 64 }) userIdType: string;
  @Column({ name: 'contact_type', type: 'varchar', length: 8 }) contactType: 'PHONE' | 'EMAIL';
  /** Null once erased (POST /admin/erasures). */
  @Column({ name: 'contact_enc', type: 'text', nullable: true }) contactEnc: string | null;
  @Column({ name: 'contact_hash', type: 'char', length: 64, nullable: true }) contactHash: string | null;
  @Column({ type: 'varchar', length: 8 }) source: 'SDK' | 'WEB_SDK';
  @Column({ name: 'user_locale', type: 'varchar', length: 8, default: 'id_ID' }) userLocale: string;
  @Column({ type: 'varchar', length: 24 }) status: SubmissionStatus;
  @Column({ type: 'varchar', length: 16, nullable: true }) result: SubmissionResult | null;
  @Column({ name: 'reason_code', type: 'varchar', length: 64, nullable: true }) reasonCode: string | null;
  @Column({ name: 'provider_submission_id', type: 'varchar', length: 128, nullable: true })
  providerSubmissionId: string | null;
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
  @Column({ name: 'nik_hash', type: 'char', length: 64, nullable: true }) nikHash: string | null;
  @Column({ name: 'image_urls_enc', type: 'text', nullable: true }) imageUrlsEnc: string | null;
  @Column({ name: 'image_urls_received_at', type: 'timestamptz', nullable: true })
  imageUrlsReceivedAt: Date | null;
  /** Masked phone, email, NIK and name for operators' lists (null on rows older than the column). */
  @Column({ name: 'pii_masked', type: 'jsonb', nullable: true }) piiMasked: MaskedForms | null;
  @Column({ name: 'pii_redacted_at', type: 'timestamptz', nullable: true }) piiRedactedAt: Date | null;
  @Column({ name: 'has_conflict', type: 'boolean', default: false }) hasConflict: boolean;
  /** The provider's `processedAt` of the state we hold (null until a result carries one). */
  @Column({ name: 'provider_processed_at', type: 'timestamptz', nullable: true })
  providerProcessedAt: Date | null;
  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' }) createdAt: Date;
  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' }) updatedAt: Date;
  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true }) completedAt: Date | null;
  @Column({ name: 'last_polled_at', type: 'timestamptz', nullable: true }) lastPolledAt: Date | null;
  @Column({ name: 'next_poll_at', type: 'timestamptz', nullable: true }) nextPollAt: Date | null;
  @Column({ name: 'poll_attempts', type: 'integer', default: 0 }) pollAttempts: number;
  @Column({ type: 'integer', default: 1 }) version: number;
  /** What the store noticed about the identity: NIK_USED_BY_OTHER_USER, CONTACT_USED_BY_OTHER_NIK. */
  @Column({ type: 'text', array: true, default: () => "'{}'" }) warnings: string[];
}
