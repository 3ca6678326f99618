// The RFC 9457 error body, for the OpenAPI document of the admin routes.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class ProblemFieldErrorDto {
  @ApiProperty({ example: 'limit' })
  field: string;

  @ApiProperty({ example: 'limit must not be greater than 100' })
  message: string;
}

export class ProblemDto {
  @ApiProperty({ example: 'https://github.com/onekyc-orchestrator/problems/validation-error' })
  type: string;

  @ApiProperty({ example: 'Validation failed' })
  title: string;

  @ApiProperty({ example: 400 })
  status: number;

  @ApiProperty({ example: 'Invalid request: limit' })
  detail: string;

  @ApiPropertyOptional({ type: [ProblemFieldErrorDto] })
  errors?: ProblemFieldErrorDto[];
}
