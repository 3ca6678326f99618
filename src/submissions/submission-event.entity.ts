import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { EventSource, EventType } from './submission-status.js';

/**
 * The append-only timeline of a submission: every initiation, callback (duplicates and stale
 * ones included, flagged), poll and status change. Never updated or deleted, except that the
 * retention job may null `payload_enc` (the encrypted raw payload) of old events.
 */
@Entity('submission_events')
export class SubmissionEventEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id: string;
  @Column({ name: 'submission_id', type: 'uuid' }) submissionId: string;
  @Column({ type: 'varchar' }) type: EventType;
  @Column({ type: 'varchar' }) source: EventSource;
  @Column({ name: 'from_status', type: 'varchar', nullable: true }) fromStatus: string | null;
  @Column({ name: 'to_status', type: 'varchar', nullable: true }) toStatus: string | null;
  @Column({ type: 'varchar', nullable: true }) status: string | null;
  @Column({ type: 'varchar', nullable: true }) result: string | null;
  @Column({ name: 'provider_submission_id', type: 'varchar', nullable: true }) providerSubmissionId:
    string | null;
  @Column({ name: 'dedupe_key', type: 'varchar', nullable: true }) dedupeKey: string | null;
  @Column({ type: 'boolean' }) duplicate: boolean;
  @Column({ type: 'boolean' }) stale: boolean;
  @Column({ type: 'boolean' }) conflict: boolean;
  @Column({ type: 'jsonb', nullable: true }) detail: Record<string, unknown> | null;
  @Column({ name: 'payload_enc', type: 'text', nullable: true }) payloadEnc: string | null;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
