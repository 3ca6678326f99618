import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A well-formed callback for a session we never issued (or whose id is not even a UUID): kept
 * for operators, with the raw payload encrypted (it may hold KTP data). Open while `resolvedAt`
 * is null.
 */
@Entity('unmatched_callbacks')
@Index('idx_unmatched_received', ['receivedAt', 'id'])
export class UnmatchedCallbackEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id: string;
  @Column({ name: 'partner_session_id', type: 'varchar', length: 200 }) partnerSessionId: string;
  @Column({ name: 'provider_submission_id', type: 'varchar', length: 200, nullable: true })
  providerSubmissionId: string | null;
  @Column({ type: 'varchar', length: 24, nullable: true }) status: string | null;
  @Column({ type: 'varchar', length: 16, nullable: true }) result: string | null;
  @Column({ type: 'varchar', length: 16, default: 'callback' }) source: string;
  @Column({ name: 'payload_enc', type: 'text' }) payloadEnc: string;
  @Column({ name: 'received_at', type: 'timestamptz', default: () => 'now()' }) receivedAt: Date;
  @Column({ name: 'resolved_at', type: 'timestamptz', nullable: true }) resolvedAt: Date | null;
}
