import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  Equals,
  IsBoolean,
  IsDefined,
  IsIn,
  isEmail,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  MaxLength,
  MinLength,
  ValidateBy,
  ValidateIf,
  ValidateNested,
} from 'class-validator';

const REDIRECT_URL = { protocols: ['http', 'https'], require_protocol: true, require_tld: false };

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** IsEmail, minus its crash: validator's isEmail throws URIError on a lone surrogate (a 500). */
const IsEmailAddress = (message: string) =>
  ValidateBy({
    name: 'isEmail',
    validator: {
      validate: (v: unknown) => typeof v === 'string' && !LONE_SURROGATE.test(v) && isEmail(v),
      defaultMessage: () => message,
    },
  });

/**
 * userId and userIdType travel to the provider in HTTP headers (x-partner-user-id, -type), where
 * only printable ASCII survives: other characters reached the provider mangled or empty (a 502),
 * and a NUL failed the database insert (a 500). Edge spaces would be trimmed on the way.
 */
const HEADER_SAFE = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;
const headerSafe = (field: string) =>
  Matches(HEADER_SAFE, {
    message: `${field} must be printable ASCII without leading or trailing spaces (it is sent to the provider in an HTTP header)`,
  });

/**
 * Indonesian numbers as partners hold them: national form (`0812…`) or `+62…` become `62…`, the
 * form the provider expects. Anything else is left for the validator to refuse.
 */
export function normalisePhoneNumber(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  if (/^0\d{9,13}$/.test(value)) return '62' + value.slice(1);
  if (/^\+62\d{9,13}$/.test(value)) return value.slice(1);
  return value;
}

export class ContactVerificationDto {
  @ApiProperty({
    example: true,
    description: 'The partner verified the contact (OTP or similar); must be true.',
  })
  @IsBoolean()
  @Equals(true, {
    message: 'verification.isVerified must be true: only verified contacts can start a verification',
  })
  isVerified: boolean;

  @ApiProperty({ example: 'otp-7f3c2a', description: "The partner's reference of that verification." })
  @IsString()
  @IsNotEmpty()
  @MaxLength(256)
  // The provider refuses a blank reference (only spaces) as missing: a 400 here, not a 502 there.
  @Matches(/\S/, { message: 'verification.verificationReferenceId must not be blank' })
  verificationReferenceId: string;
}

/** With an end-user token the user comes from the token; a key caller must name it. */
const USER_ID_DOC =
  'Required with a partner key. With an end-user token it may be left out (taken from the token); a different value is refused with 403.';

export class CreateVerificationDto {
  @ApiPropertyOptional({ example: 'user-42', minLength: 1, maxLength: 128, description: USER_ID_DOC })
  // Absent is decided by the caller (see caller-scope.ts); null is still refused as not a string.
  @ValidateIf((o: CreateVerificationDto) => o.userId !== undefined)
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  @headerSafe('userId')
  userId?: string;

  @ApiPropertyOptional({ example: 'USER_ID', default: 'USER_ID', minLength: 1, maxLength: 64 })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  @headerSafe('userIdType')
  userIdType?: string;

  @ApiPropertyOptional({
    example: '628123456789',
    description:
      '62 then 9 to 13 digits. A national number (`08…`) or `+62…` is accepted and normalised to `62…` ' +
      '(what is stored and sent to the provider). phoneNumber or email is required.',
  })
  @Transform(({ value }: { value: unknown }) => normalisePhoneNumber(value))
  @ValidateIf((o: CreateVerificationDto) => o.phoneNumber !== undefined || o.email === undefined)
  @IsDefined({ message: 'phoneNumber or email is required' })
  @IsString()
  @Matches(/^62\d{9,13}$/, {
    message: 'phoneNumber must be 62 followed by 9 to 13 digits (a national 08… number is accepted too)',
  })
  phoneNumber?: string;

  @ApiPropertyOptional({ example: 'user@example.com' })
  // Absent is fine; null is not an address (IsOptional would let null through to the provider: a 502).
  @ValidateIf((o: CreateVerificationDto) => o.email !== undefined)
  @IsString()
  @MaxLength(254)
  @IsEmailAddress('email must be an email address')
  email?: string;

  @ApiProperty({ type: ContactVerificationDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => ContactVerificationDto)
  verification: ContactVerificationDto;

  @ApiPropertyOptional({ enum: ['id_ID', 'en_ID'], default: 'id_ID' })
  @IsOptional()
  @IsIn(['id_ID', 'en_ID'])
  userLocale?: 'id_ID' | 'en_ID';

  @ApiPropertyOptional({
    enum: ['SDK', 'WEB_SDK'],
    example: 'WEB_SDK',
    description:
      'Where the user captures the KTP and selfie: SDK (the mobile SDK; the answer has sdkToken) or ' +
      'WEB_SDK (the hosted web flow; the answer has launchUrl). Default: ONEKYC_SOURCE. It picks the ' +
      'onboarding-partner value sent to the provider (ONEKYC_ONBOARDING_PARTNER_SDK / _WEB_SDK).',
  })
  @IsOptional()
  @IsIn(['SDK', 'WEB_SDK'], { message: 'source must be SDK or WEB_SDK' })
  source?: 'SDK' | 'WEB_SDK';

  @ApiPropertyOptional({
    example: 'https://partner.example/kyc/success',
    maxLength: 2048,
    description:
      'http or https; required when the source is WEB_SDK. The web flow sends the user back here ' +
      'with query parameters status and partner_session_id: a hint to read the verification, never a result.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  @IsUrl(REDIRECT_URL, { message: 'successRedirectionUrl must be an http or https URL' })
  successRedirectionUrl?: string;

  @ApiPropertyOptional({
    example: 'https://partner.example/kyc/failure',
    maxLength: 2048,
    description:
      'http or https; required when the source is WEB_SDK. The web flow sends the user back here ' +
      'with status, partner_session_id and error_code (e.g. SESSION_TIMEOUT): a hint, never a result.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  @IsUrl(REDIRECT_URL, { message: 'failureRedirectionUrl must be an http or https URL' })
  failureRedirectionUrl?: string;

  @ApiPropertyOptional({
    type: Boolean,
    example: true,
    description:
      "Smart QR, WEB_SDK only: on a desktop without a camera, offer a QR code that continues the capture on the user's phone.",
  })
  @IsOptional()
  @IsBoolean({ message: 'allowQr must be a boolean' })
  allowQr?: boolean;

  @ApiPropertyOptional({
    type: Boolean,
    example: false,
    description: 'Smart QR, WEB_SDK only: always continue the capture on the phone by QR code.',
  })
  @IsOptional()
  @IsBoolean({ message: 'forceQr must be a boolean' })
  forceQr?: boolean;
}

export class ListVerificationsQueryDto {
  @ApiPropertyOptional({ example: 'user-42', description: USER_ID_DOC })
  @ValidateIf((o: ListVerificationsQueryDto) => o.userId !== undefined)
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  @headerSafe('userId')
  userId?: string;

  @ApiPropertyOptional({ example: 'USER_ID', default: 'USER_ID' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  @headerSafe('userIdType')
  userIdType?: string;
}
