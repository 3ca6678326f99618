import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class VerificationCreatedDto {
  @ApiProperty({
    format: 'uuid',
    description: 'Our submission id, sent to the provider as x-partner-session-id.',
  })
  id: string;
  @ApiProperty({ example: 'INITIATED' })
  status: 'INITIATED';
  @ApiPropertyOptional({ description: 'For source SDK: the token the mobile SDK starts with.' })
  sdkToken?: string;
  @ApiPropertyOptional({
    description: "For source WEB_SDK: the hosted web flow's URL, to open in the user's browser.",
  })
  launchUrl?: string;
  @ApiProperty({ nullable: true, example: '2027-01-25T05:00:00.000Z' })
  expiresAt: string | null;
  @ApiProperty({ example: '2026-11-26T05:00:00.000Z' })
  createdAt: string;
}

export class VerificationDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'user-42' }) userId: string;
  @ApiProperty({ example: 'USER_ID' }) userIdType: string;
  @ApiProperty({ enum: ['SDK', 'WEB_SDK'], example: 'SDK' }) source: 'SDK' | 'WEB_SDK';
  @ApiProperty({
    description:
      'INITIATED: token issued, nothing captured yet. IN_PROGRESS: capture received, the provider is ' +
      'checking (seen by polling only). PARTIALLY_COMPLETED: with result VALID the KYC has passed and ' +
      'the electronic certificate is being issued (a lender may act on it). COMPLETED: final; with ' +
      'VALID the certificate exists, with INVALID/REJECTED see reasonCode.',
    enum: [
      'INITIATED',
      'IN_PROGRESS',
      'PARTIALLY_COMPLETED',
      'COMPLETED',
      'ERROR',
      'EXPIRED',
      'INITIATION_FAILED',
    ],
  })
  status: string;
  @ApiProperty({
    nullable: true,
    enum: ['VALID', 'INVALID', 'REJECTED'],
    description: 'null until the status is PARTIALLY_COMPLETED or COMPLETED.',
  })
  result: string | null;
  @ApiProperty({ nullable: true, example: null }) reasonCode: string | null;
  @ApiProperty({
    nullable: true,
    example: { nik: 'PASS', name: 'PASS', dateOfBirth: 'PASS', selfie: 'PASS' },
  })
  verificationResult: Record<string, unknown> | null;
  @ApiProperty({
    type: [String],
    example: [],
    description:
      'NIK_USED_BY_OTHER_USER: the same NIK was verified for another user id; CONTACT_USED_BY_OTHER_NIK: ' +
      'the provider found the phone or email registered under another NIK',
  })
  warnings: string[];
  @ApiProperty({ example: 3, description: 'Grows with every change: compare it to order webhook deliveries' })
  version: number;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
  @ApiProperty({ nullable: true }) completedAt: string | null;
}

export class VerificationListDto {
  @ApiProperty({ type: [VerificationDto] }) data: VerificationDto[];
}
