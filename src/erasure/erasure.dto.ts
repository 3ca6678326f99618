// Erasure room: request and answer of POST /admin/erasures.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';

export class CreateErasureDto {
  @ApiProperty({ example: 'user-42', minLength: 1, maxLength: 128 })
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  userId: string;

  @ApiPropertyOptional({ example: 'USER_ID', default: 'USER_ID', minLength: 1, maxLength: 64 })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  userIdType?: string;

  @ApiProperty({
    example: 'Data subject request #1234 (PDP law)',
    description: 'Why: kept in the audit log with the erasure',
    maxLength: 500,
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  @Matches(/\S/, { message: 'reason must not be blank' })
  reason: string;
}

export class ErasureDto {
  @ApiProperty({ example: 'user-42' }) userId: string;
  @ApiProperty({ example: 'USER_ID' }) userIdType: string;
  @ApiProperty({
    type: [String],
    description: "Ids of the user's verifications: their personal data is gone, ids and outcomes stay",
  })
  verifications: string[];
  @ApiProperty({ type: String, format: 'date-time' }) erasedAt: string;
}
