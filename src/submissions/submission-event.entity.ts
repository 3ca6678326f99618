import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import type { EventSource, EventType } from './submission-status.js';
import { SubmissionEntity } from './submission.entity.js';

/**
 * The append-only timeline of a submission: every initiation, callback (duplicates and stale
 * ones included, flagged), poll and status change. Never updated or deleted, except that the
 * retention job may null `payload_enc` (the encrypted raw payload) of old events.
 */
@Entity('submission_events')
@Index('idx_events_submission', ['submissionId', 'id'])
@Index('idx_events_dedupe', ['submissionId', 'dedupeKey'], {
  where: 'dedupe_key IS NOT NULL AND duplicate = false',
})
export class SubmissionEventEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id: string;
  @Column({ name: 'submission_id', type: 'uuid' }) submissionId: string;
  /** The foreign key only (for the schema); rows read over SQL never carry it. */
  @ManyToOne(() => SubmissionEntity, { nullable: false })
  @JoinColumn({ name: 'submission_id', foreignKeyConstraintName: 'submission_events_submission_id_fkey' })
  submission?: never;
  @Column({ type: 'varchar', length: 32 }) type: EventType;
  @Column({ type: 'varchar', length: 16 }) source: EventSource;
  @Column({ name: 'from_status', type: 'varchar', length: 24, nullable: true }) fromStatus: string | null;
  @Column({ name: 'to_status', type: 'varchar', length: 24, nullable: true }) toStatus: string | null;
  @Column({ type: 'varchar', length: 24, nullable: true }) status: string | null;
  @Column({ type: 'varchar', length: 16, nullable: true }) result: string | null;
  @Column({ name: 'provider_submission_id', type: 'varchar', length: 128, nullable: true })
  providerSubmissionId: string | null;
  @Column({ name: 'dedupe_key', type: 'varchar', length: 200, nullable: true }) dedupeKey: string | null;
  @Column({ type: 'boolean', default: false }) duplicate: boolean;
  @Column({ type: 'boolean', default: false }) stale: boolean;
  @Column({ type: 'boolean', default: false }) conflict: boolean;
  @Column({ type: 'jsonb', nullable: true }) detail: Record<string, unknown> | null;
  @Column({ name: 'payload_enc', type: 'text', nullable: true }) payloadEnc: string | null;
  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' }) createdAt: Date;
}
