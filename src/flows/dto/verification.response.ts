import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class VerificationCreatedDto {
  @ApiProperty({
    format: 'uuid',
    description: 'Our submission id, sent to the provider as x-partner-session-id.',
  })
  id: string;
  @ApiProperty({ example: 'INITIATED' })
  status: 'INITIATED';
  @ApiPropertyOptional({ description: 'SDK token for the mobile SDK (ONEKYC_SOURCE=SDK).' })
  sdkToken?: string;
  @ApiPropertyOptional({ description: 'Launch URL for the web SDK (ONEKYC_SOURCE=WEB_SDK).' })
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
  @ApiProperty({ enum: ['SDK', 'WEB_SDK'], example: 'SDK' }) source: string;
  @ApiProperty({
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
  @ApiProperty({ nullable: true, enum: ['VALID', 'INVALID', 'REJECTED'] }) result: string | null;
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
