// Requests and answers of /admin/callbacks/unmatched.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { PageQueryDto } from './admin-submissions.dto.js';

export class ListUnmatchedCallbacksQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    description: 'Also list callbacks already resolved',
    enum: ['true', 'false'],
    default: 'false',
  })
  @IsOptional()
  @IsIn(['true', 'false'])
  includeResolved?: 'true' | 'false';
}

export class UnmatchedCallbackDto {
  @ApiProperty({ example: '17' })
  id: string;

  @ApiProperty({
    description: 'The session id the provider named (never issued by us)',
    example: '0b7f3c1e-5d7a-4c1e-8f0a-2d9e6b4a1c33',
  })
  partnerSessionId: string;

  @ApiProperty({ type: String, nullable: true, example: 'SUB-19ac02' })
  submissionId: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'COMPLETED' })
  status: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'VALID' })
  result: string | null;

  @ApiProperty({ example: 'callback' })
  source: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'Masked KTP data from the stored payload',
    example: { nik: '3208********0001', name: 'J. D.', dateOfBirth: '**-**-1985', address: '***' },
  })
  ktpData: Record<string, unknown> | null;

  @ApiProperty({ type: String, format: 'date-time', example: '2025-11-26T05:41:02.456Z' })
  receivedAt: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: null })
  resolvedAt: string | null;
}

export class UnmatchedCallbackListDto {
  @ApiProperty({ type: [UnmatchedCallbackDto] })
  data: UnmatchedCallbackDto[];

  @ApiProperty({ type: String, nullable: true, description: 'null on the last page', example: null })
  nextCursor: string | null;
}
