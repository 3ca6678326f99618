// Identity room: the answer of GET /v1/verifications/:id/identity (identity keys only).
import { ApiProperty } from '@nestjs/swagger';

export class EvidenceSummaryDto {
  @ApiProperty({ enum: ['KTP', 'SELFIE', 'ADDITIONAL_SELFIE'] }) kind: string;
  @ApiProperty({ enum: ['ARCHIVED', 'PENDING', 'FAILED', 'EXPIRED', 'ERASED'] }) status: string;
  @ApiProperty({ type: String, nullable: true, example: 'image/jpeg' }) contentType: string | null;
  @ApiProperty({ type: Number, nullable: true, example: 183204 }) size: number | null;
  @ApiProperty({ type: String, nullable: true, description: 'Hex SHA-256 of the image' }) sha256:
    string | null;
}

export class VerificationIdentityDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'The KTP data the provider read, decrypted (null until the provider sent it)',
    example: { nik: '3201012345678901', name: 'BUDI SANTOSO', dateOfBirth: '01-01-1990' },
  })
  ktpData: Record<string, unknown> | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'The electronic certificate registration, as the provider sent it',
  })
  certificateRegistration: Record<string, unknown> | null;
  @ApiProperty({ type: [EvidenceSummaryDto] }) evidence: EvidenceSummaryDto[];
}
