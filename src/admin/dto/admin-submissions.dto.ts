// Requests and answers of /admin/submissions. The answer classes document the shape (OpenAPI);
// the service builds plain objects of these types.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import {
  SUBMISSION_RESULTS,
  SUBMISSION_STATUSES,
  type SubmissionResult,
  type SubmissionStatus,
} from '../../submissions/submission-status.js';
import { ISO_DATE_OR_DATETIME, NotBefore, RequiresField } from './query-validators.js';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

const DATE_HELP =
  'ISO 8601 date (a whole UTC day) or date-time with a zone (Z or ±hh:mm); inclusive. ' +
  'Narrows the newest-first walk; combine with one other filter at most for index-speed answers.';

export class PageQueryDto {
  @ApiPropertyOptional({
    description: 'Page size',
    minimum: 1,
    maximum: MAX_PAGE_SIZE,
    default: DEFAULT_PAGE_SIZE,
    example: 20,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit?: number;

  @ApiPropertyOptional({
    description:
      'The `nextCursor` of the previous page, unchanged. Opaque and signed; valid only with the same filters.',
    example: 'eyJ2IjoxLCJrIjoic3VibWlzc2lvbnMiLCJ0IjoiMjAyNS0xMS0yNlQwNTozMzoxMi4xMjM0NTZaIn0.mC3n2qk0vQ',
  })
  @IsOptional()
  @IsString()
  @Length(1, 512)
  cursor?: string;
}

export class ListSubmissionsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: SUBMISSION_STATUSES, example: 'COMPLETED' })
  @IsOptional()
  @IsIn(SUBMISSION_STATUSES)
  status?: SubmissionStatus;

  @ApiPropertyOptional({ enum: SUBMISSION_RESULTS, example: 'VALID' })
  @IsOptional()
  @IsIn(SUBMISSION_RESULTS)
  result?: SubmissionResult;

  @ApiPropertyOptional({ description: "The partner's user id", example: 'user-8731' })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  userId?: string;

  @ApiPropertyOptional({
    description: 'Narrows `userId` to one id type (only with `userId`)',
    example: 'USER_ID',
  })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  @RequiresField('userId')
  userIdType?: string;

  @ApiPropertyOptional({ description: "The provider's submission id", example: 'SUB-7f3a9c20' })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  submissionId?: string;

  @ApiPropertyOptional({
    description: 'A 16-digit NIK, matched through its blind index (never stored or logged in clear)',
    example: '3208201808850001',
  })
  @IsOptional()
  @IsString()
  @Matches(/^\d{16}$/, { message: 'nik must be 16 digits' })
  nik?: string;

  @ApiPropertyOptional({ description: DATE_HELP, example: '2025-11-01' })
  @IsOptional()
  @IsString()
  @Matches(ISO_DATE_OR_DATETIME, { message: 'createdFrom must be an ISO 8601 date or date-time with a zone' })
  @IsISO8601({ strict: true }, { message: 'createdFrom must be a valid date' })
  createdFrom?: string;

  @ApiPropertyOptional({ description: DATE_HELP, example: '2025-11-30T23:59:59+07:00' })
  @IsOptional()
  @IsString()
  @Matches(ISO_DATE_OR_DATETIME, { message: 'createdTo must be an ISO 8601 date or date-time with a zone' })
  @IsISO8601({ strict: true }, { message: 'createdTo must be a valid date' })
  @NotBefore('createdFrom')
  createdTo?: string;
}

export class SubmissionDetailQueryDto {
  @ApiPropertyOptional({
    description:
      'Show KTP data, contact, image URLs and the onboarding code in clear. Every reveal is written to the audit log.',
    enum: ['true', 'false'],
    default: 'false',
  })
  @IsOptional()
  @IsIn(['true', 'false'])
  reveal?: 'true' | 'false';

  @ApiPropertyOptional({
    description:
      'Why the data is revealed (a ticket, a complaint): kept in the audit log with the reveal. Required with ' +
      '`reveal=true` when the caller is a console session.',
    example: 'Complaint #8812: user disputes the result',
    maxLength: 500,
  })
  @IsOptional()
  @IsString()
  @Length(1, 500)
  @Matches(/\S/, { message: 'reason must not be blank' })
  @RequiresField('reveal')
  reason?: string;
}

export class AdminSubmissionListItemDto {
  @ApiProperty({ format: 'uuid', example: '6f1c2a9e-2b1d-4a51-9a57-0c1e8f3b2d44' })
  id: string;

  @ApiProperty({ example: 'user-8731' })
  userId: string;

  @ApiProperty({ example: 'USER_ID' })
  userIdType: string;

  @ApiProperty({ enum: SUBMISSION_STATUSES, example: 'COMPLETED' })
  status: SubmissionStatus;

  @ApiProperty({ enum: SUBMISSION_RESULTS, nullable: true, example: 'VALID' })
  result: SubmissionResult | null;

  @ApiProperty({ type: String, nullable: true, example: null })
  reasonCode: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'SUB-7f3a9c20' })
  providerSubmissionId: string | null;

  @ApiProperty({ enum: ['SDK', 'WEB_SDK'], example: 'SDK' })
  source: string;

  @ApiProperty({ enum: ['PHONE', 'EMAIL'], description: 'The primary contact', example: 'PHONE' })
  contactType: 'PHONE' | 'EMAIL';

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Masked unless revealed',
    example: '6281******89',
  })
  phoneNumber: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Masked unless revealed',
    example: 'j***@e***.com',
  })
  email: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'Masked NIK', example: '3208********0001' })
  nik: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'Initials', example: 'J. D.' })
  name: string | null;

  @ApiProperty({
    description:
      'Flagged for operators: a later callback or poll told a different terminal story, or a result named ' +
      "another user than the session's (or none) and was not applied. The event's detail.conflict says which " +
      '(terminal, user_mismatch, user_missing).',
    example: false,
  })
  hasConflict: boolean;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description:
      "One submission only: the provider's processedAt of the state held (null until a result carries one)",
    example: '2026-11-26T05:00:00.000Z',
  })
  processedAt?: string | null;

  @ApiProperty({ description: 'KTP data and image URLs were erased (retention)', example: false })
  piiRedacted: boolean;

  @ApiProperty({ type: String, format: 'date-time', example: '2025-11-26T05:33:12.123Z' })
  createdAt: string;

  @ApiProperty({ type: String, format: 'date-time', example: '2025-11-26T05:41:02.456Z' })
  updatedAt: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: '2025-11-26T05:41:02.456Z' })
  completedAt: string | null;
}

export class AdminSubmissionListDto {
  @ApiProperty({ type: [AdminSubmissionListItemDto] })
  data: AdminSubmissionListItemDto[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as `cursor` (with the same filters) for the next page; null on the last page',
    example: 'eyJ2IjoxLCJrIjoic3VibWlzc2lvbnMiLCJ0IjoiMjAyNS0xMS0yNlQwNTozMzoxMi4xMjM0NTZaIn0.mC3n2qk0vQ',
  })
  nextCursor: string | null;
}

export class AdminSubmissionEventDto {
  @ApiProperty({ example: '1042' })
  id: string;

  @ApiProperty({
    enum: [
      'INITIATION_REQUESTED',
      'INITIATED',
      'INITIATION_FAILED',
      'CALLBACK',
      'POLL',
      'STATUS_CHANGED',
      'EXPIRED',
      'PII_REDACTED',
    ],
    example: 'CALLBACK',
  })
  type: string;

  @ApiProperty({ enum: ['api', 'callback', 'reconciliation', 'admin', 'system'], example: 'callback' })
  source: string;

  @ApiProperty({ type: String, format: 'date-time', example: '2025-11-26T05:41:02.456Z' })
  createdAt: string;

  @ApiProperty({ type: String, nullable: true, description: 'The status observed', example: 'COMPLETED' })
  status: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'VALID' })
  result: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'STATUS_CHANGED only', example: null })
  fromStatus: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'STATUS_CHANGED only', example: null })
  toStatus: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'SUB-7f3a9c20' })
  providerSubmissionId: string | null;

  @ApiProperty({ description: 'The same observation arrived before', example: false })
  duplicate: boolean;

  @ApiProperty({ description: 'Older than the current status: recorded, ignored', example: false })
  stale: boolean;

  @ApiProperty({ description: 'A different terminal story: recorded, flagged, not applied', example: false })
  conflict: boolean;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'Non-personal context (codes, causes, timings)',
    example: { httpStatus: 200 },
  })
  detail: Record<string, unknown> | null;

  @ApiProperty({ description: 'A raw provider payload is stored (encrypted; never shown)', example: true })
  hasPayload: boolean;
}

export class AdminSubmissionDetailDto extends AdminSubmissionListItemDto {
  @ApiProperty({ example: 'id_ID' })
  userLocale: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'KTP data: masked (NIK, initials, birth year; free text hidden) unless revealed',
    example: {
      nik: '3208********0001',
      name: 'J. D.',
      dateOfBirth: '**-**-1985',
      address: '***',
      gender: 'LAKI-LAKI',
      province: 'JAWA BARAT',
    },
  })
  ktpData: Record<string, unknown> | null;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    nullable: true,
    description: 'Presigned image URLs: origin only unless revealed',
    example: { KTP: 'https://images.example.com/***', SELFIE: 'https://images.example.com/***' },
  })
  imageUrls: Record<string, string> | null;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    example: { nik: 'PASS', name: 'PASS', dateOfBirth: 'PASS', selfie: 'PASS' },
  })
  verificationResult: Record<string, unknown> | null;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'onboardingCode masked unless revealed',
    example: { eligibleToActivate: true, onboardingCode: '***', shouldSkipActivation: false },
  })
  certificateRegistration: Record<string, unknown> | null;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: "The provider's refusal of the initiation, if any",
    example: null,
  })
  initiationError: Record<string, unknown> | null;

  @ApiProperty({
    description: 'Personal data is shown in clear (and the reveal was audited)',
    example: false,
  })
  revealed: boolean;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: '2025-11-26T05:33:13.002Z' })
  initiatedAt: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: '2025-11-27T05:33:13.000Z' })
  sdkExpiresAt: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: null })
  piiRedactedAt: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: null })
  lastPolledAt: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: null })
  nextPollAt: string | null;

  @ApiProperty({ example: 0 })
  pollAttempts: number;

  @ApiProperty({ type: [AdminSubmissionEventDto], description: 'The timeline, oldest first' })
  events: AdminSubmissionEventDto[];

  @ApiProperty({ description: 'Older events were left out (only the last 1000 are shown)', example: false })
  eventsTruncated: boolean;

  @ApiProperty({ type: [String], example: ['NIK_USED_BY_OTHER_USER'] })
  warnings: string[];

  @ApiProperty({
    type: () => [RelatedVerificationDto],
    description:
      'Verifications of other users with the same NIK, and verifications with the same primary contact ' +
      '(by blind index; newest first, at most 50)',
  })
  relatedVerifications: RelatedVerificationDto[];
}

export class RelatedVerificationDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: ['NIK', 'CONTACT'], description: 'What it shares with this verification' })
  relation: 'NIK' | 'CONTACT';
  @ApiProperty({ example: 'user-9' }) userId: string;
  @ApiProperty({ example: 'USER_ID' }) userIdType: string;
  @ApiProperty({ example: 'COMPLETED' }) status: string;
  @ApiProperty({ type: String, nullable: true, example: 'VALID' }) result: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt: string;
}
