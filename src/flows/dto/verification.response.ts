// What the partner API answers: the created verification, one verification, a user's list.
// Types here are the published schema (OpenAPI and the generated client): precise on purpose.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  SUBMISSION_RESULTS,
  SUBMISSION_STATUSES,
  type SubmissionResult,
  type SubmissionStatus,
} from '../../submissions/submission-status.js';

export class VerificationCreatedDto {
  @ApiProperty({
    format: 'uuid',
    description: 'Our submission id, sent to the provider as x-partner-session-id.',
    example: '6f1c2a9e-2b1d-4a51-9a57-0c1e8f3b2d44',
  })
  id: string;
  @ApiProperty({ enum: ['INITIATED'], example: 'INITIATED' })
  status: 'INITIATED';
  @ApiPropertyOptional({
    description: 'SDK token for the mobile SDK (source SDK).',
    example: 'sdk_eyJhbGciOiJIUzI1NiJ9.c2FuZGJveA.sig',
  })
  sdkToken?: string;
  @ApiPropertyOptional({
    description: 'Launch URL for the web SDK (source WEB_SDK).',
    example: 'https://onekyc.example/launch/abc',
  })
  launchUrl?: string;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'When the SDK token expires (null when the provider did not say)',
    example: '2027-01-25T05:00:00.000Z',
  })
  expiresAt: string | null;
  @ApiProperty({ type: String, format: 'date-time', example: '2026-11-26T05:00:00.000Z' })
  createdAt: string;
}

export class VerificationResultSummaryDto {
  @ApiPropertyOptional({ example: 'PASS', description: 'PASS or FAIL' }) nik?: string;
  @ApiPropertyOptional({ example: 'PASS' }) name?: string;
  @ApiPropertyOptional({ example: 'PASS' }) dateOfBirth?: string;
  @ApiPropertyOptional({ example: 'PASS' }) selfie?: string;
}

export class VerificationDto {
  @ApiProperty({ format: 'uuid', example: '6f1c2a9e-2b1d-4a51-9a57-0c1e8f3b2d44' }) id: string;
  @ApiProperty({ example: 'user-42' }) userId: string;
  @ApiProperty({ example: 'USER_ID' }) userIdType: string;
  @ApiProperty({ enum: ['SDK', 'WEB_SDK'], example: 'SDK' }) source: 'SDK' | 'WEB_SDK';
  @ApiProperty({ enum: SUBMISSION_STATUSES, enumName: 'VerificationStatus', example: 'COMPLETED' })
  status: SubmissionStatus;
  @ApiProperty({
    enum: SUBMISSION_RESULTS,
    enumName: 'VerificationResult',
    nullable: true,
    description: 'Null until the status is PARTIALLY_COMPLETED or COMPLETED',
    example: 'VALID',
  })
  result: SubmissionResult | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description: "The provider's reason code, if any",
    example: null,
  })
  reasonCode: string | null;
  @ApiProperty({
    type: VerificationResultSummaryDto,
    nullable: true,
    description: 'Per-check outcome (never KTP data)',
  })
  verificationResult: VerificationResultSummaryDto | null;
  @ApiProperty({
    type: [String],
    example: [],
    description:
      'NIK_USED_BY_OTHER_USER: the same NIK was verified for another user id; CONTACT_USED_BY_OTHER_NIK: ' +
      'the provider found the phone or email registered under another NIK',
  })
  warnings: string[];
  @ApiProperty({
    type: 'integer',
    minimum: 1,
    example: 3,
    description: 'Grows with every change: compare it to order webhook deliveries',
  })
  version: number;
  @ApiProperty({ type: String, format: 'date-time', example: '2026-11-26T05:00:00.000Z' }) createdAt: string;
  @ApiProperty({ type: String, format: 'date-time', example: '2026-11-26T05:03:10.000Z' }) updatedAt: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: '2026-11-26T05:03:10.000Z' })
  completedAt: string | null;
}

export class VerificationListDto {
  @ApiProperty({ type: [VerificationDto], description: "The user's verifications, newest first" })
  data: VerificationDto[];
}
