// Console room: request and answer of /admin/session (an admin key exchanged for a console session).
import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

export class CreateConsoleSessionDto {
  @ApiProperty({
    description: 'One of ADMIN_API_KEYS. Used once, to open the session; never stored.',
    example: 'sandbox-admin-key',
    maxLength: 512,
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(512)
  adminKey: string;
}

export class ConsoleSessionDto {
  @ApiProperty({ format: 'uuid', description: 'The session id (named in audit rows of its reads)' })
  id: string;

  @ApiProperty({
    description: 'A short digest of the admin key that opened it (never the key)',
    example: '3f9a0c1d2b4e',
  })
  keyId: string;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt: string;

  @ApiProperty({ type: String, format: 'date-time', description: 'Idle expiry: every use extends it' })
  expiresAt: string;

  @ApiProperty({ type: String, format: 'date-time', description: 'The latest it can last, however used' })
  absoluteExpiresAt: string;

  @ApiProperty({
    description:
      'Send it as `x-csrf-token` on every write made with the session cookie. Keep it in memory only.',
  })
  csrfToken: string;
}
