// The provider's result callback body (no envelope). Strict on what the contract
// names (ids, status, result, types), tolerant of fields the provider may add later: those are
// not refused and stay in the raw payload stored with the event. Validated by CallbackBodyPipe,
// not by the global (whitelisting) ValidationPipe.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import {
  PROVIDER_STATUSES,
  type ProviderStatus,
  SUBMISSION_RESULTS,
  type SubmissionResult,
} from '../submissions/submission-status.js';

export class VerificationResultDto {
  @ApiPropertyOptional({ example: 'PASS', description: 'PASS or FAIL' })
  @IsOptional()
  @IsString()
  nik?: string;

  @ApiPropertyOptional({ example: 'PASS' })
  @IsOptional()
  @IsString()
  name?: string;

  @ApiPropertyOptional({ example: 'PASS' })
  @IsOptional()
  @IsString()
  dateOfBirth?: string;

  @ApiPropertyOptional({ example: 'PASS' })
  @IsOptional()
  @IsString()
  selfie?: string;
}

/** Indonesian national-ID data: personal data, stored encrypted, never logged. */
export class KtpDataDto {
  @ApiPropertyOptional({ example: '3208201808850001' }) @IsOptional() @IsString() nik?: string;
  @ApiPropertyOptional({ example: 'JOHN DOE' }) @IsOptional() @IsString() name?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() region?: string;
  @ApiPropertyOptional({ example: '18-02-1960' }) @IsOptional() @IsString() dateOfBirth?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() bloodType?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() religion?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() province?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() city?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() address?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() district?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() town?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() gender?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() rt?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() rw?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() occupation?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() validUntil?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() citizenship?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() maritalStatus?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() issuanceDate?: string;
}

export class CertificateRegistrationDto {
  @ApiPropertyOptional() @IsOptional() @IsBoolean() eligibleToActivate?: boolean;
  @ApiPropertyOptional({ example: 'NEW_USER' }) @IsOptional() @IsString() onboardingCode?: string;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() shouldSkipActivation?: boolean;
}

/** Presigned URLs; they expire at the provider 5 days after they are issued. */
export class ImageUrlsDto {
  @ApiPropertyOptional() @IsOptional() @IsString() KTP?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() SELFIE?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() ADDITIONAL_SELFIE?: string;
}

export class SubmissionDetailsDto {
  @ApiPropertyOptional({ type: VerificationResultDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => VerificationResultDto)
  verificationResult?: VerificationResultDto | null;

  @ApiPropertyOptional({ type: KtpDataDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => KtpDataDto)
  ktpData?: KtpDataDto | null;

  @ApiPropertyOptional({ type: CertificateRegistrationDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => CertificateRegistrationDto)
  certificateRegistration?: CertificateRegistrationDto | null;

  @ApiPropertyOptional({
    description:
      'The certificate-registration example puts it here instead of under certificateRegistration: both are read.',
  })
  @IsOptional()
  @IsBoolean()
  eligibleToActivate?: boolean;

  @ApiPropertyOptional({ type: ImageUrlsDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => ImageUrlsDto)
  imageUrls?: ImageUrlsDto | null;
}

export class OneKycCallbackDto {
  @ApiProperty({
    description: "The provider's submission id; with status and result, the de-duplication key",
    example: 'c64b4c8c-9a8f-4e9c-b86a-0908291c855e',
    maxLength: 128,
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  submissionId: string;

  @ApiProperty({
    description:
      'The x-partner-session-id we sent at initiation (our verification id). An id we never issued is ' +
      'quarantined and answered 200.',
    example: 'b719f79b-ae7a-440a-8f9c-5f661ca34e70',
    maxLength: 200,
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  partnerSessionId: string;

  @ApiProperty({ enum: PROVIDER_STATUSES, example: 'COMPLETED' })
  @IsIn(PROVIDER_STATUSES)
  status: ProviderStatus;

  @ApiPropertyOptional({ enum: SUBMISSION_RESULTS, nullable: true, example: 'VALID' })
  @IsOptional()
  @IsIn(SUBMISSION_RESULTS)
  result?: SubmissionResult | null;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'LIVENESS_CHECK_FAILED', maxLength: 64 })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  reasonCode?: string | null;

  @ApiPropertyOptional({ example: '421453511adsasdl' })
  @IsOptional()
  @IsString()
  userId?: string;

  @ApiPropertyOptional({ example: 'MY_USER_ID' })
  @IsOptional()
  @IsString()
  userIdType?: string;

  @ApiPropertyOptional({
    description:
      "When the provider processed this state (ISO 8601); stored as the verification's processedAt.",
    example: '2026-11-26T05:00:00.000Z',
    maxLength: 64,
  })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  processedAt?: string | null;

  @ApiPropertyOptional({ type: SubmissionDetailsDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => SubmissionDetailsDto)
  submissionDetails?: SubmissionDetailsDto | null;
}
