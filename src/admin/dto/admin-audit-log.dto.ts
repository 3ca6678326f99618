// Requests and answers of /admin/audit-log: who read or erased personal data, and when.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID } from 'class-validator';
import { AUDIT_ACTIONS, type AuditAction } from '../../audit/audit-log.repository.js';
import { PageQueryDto } from './admin-submissions.dto.js';

export class ListAuditLogQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: AUDIT_ACTIONS, example: 'identity.read' })
  @IsOptional()
  @IsIn(AUDIT_ACTIONS)
  action?: AuditAction;

  @ApiPropertyOptional({ description: 'Our verification id (as in /v1/verifications/:id)', format: 'uuid' })
  @IsOptional()
  @IsUUID('all', { message: 'submissionId must be a verification id (UUID)' })
  submissionId?: string;
}

export class AuditLogEntryDto {
  @ApiProperty({ example: '42' }) id: string;
  @ApiProperty({ enum: AUDIT_ACTIONS, example: 'identity.read' }) action: string;
  @ApiProperty({
    enum: ['admin', 'identity', 'system'],
    description: 'admin key (operator), identity key (partner back end), or the service itself',
  })
  actorKind: string;
  @ApiProperty({ description: 'A short digest of the key (never the key itself)', example: '3f9a0c1d2b4e' })
  actorId: string;
  @ApiProperty({ type: String, nullable: true, format: 'uuid' }) submissionId: string | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'Field names, request id, reason; never the data itself',
    example: { fields: ['ktpData', 'certificateRegistration'], requestId: 'req-7' },
  })
  detail: Record<string, unknown>;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt: string;
}

export class AuditLogListDto {
  @ApiProperty({ type: [AuditLogEntryDto] }) data: AuditLogEntryDto[];
  @ApiProperty({ type: String, nullable: true, description: 'null on the last page', example: null })
  nextCursor: string | null;
}
