// The partner API (partner frontends and back ends): start a verification, read it back.
import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Req, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBadGatewayResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { AuthenticatedRequest, PartnerApiKeyGuard } from '../common/api-key.guard.js';
import { ProblemException } from '../common/problem.js';
import { UUID_ID_PIPE } from '../common/uuid-param.pipe.js';
import { CreateVerificationDto, ListVerificationsQueryDto } from './dto/create-verification.dto.js';
import { VerificationCreatedDto, VerificationDto, VerificationListDto } from './dto/verification.response.js';
import { FlowsService } from './flows.service.js';
import { PartnerThrottlerGuard } from './partner-throttler.guard.js';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

@ApiTags('verifications')
@ApiBearerAuth('partner')
@UseGuards(PartnerApiKeyGuard, PartnerThrottlerGuard)
@Controller('v1/verifications')
export class FlowsExternalController {
  constructor(private readonly flows: FlowsService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: 'Start a Standalone Identity Verification',
    description:
      'Validates the verified phone or email, calls Initiate Flow and returns the SDK token (or web launch URL). ' +
      'Errors: 400 naming the field, 401, 409 (Idempotency-Key reused with another body, or still in progress), ' +
      '429, 502 (the provider refused: its cause in the body), 503 with Retry-After (provider unreachable).',
  })
  @ApiHeader({
    name: 'idempotency-key',
    required: false,
    description: 'Same key + same body within 24 h answers the first 201 again.',
  })
  @ApiCreatedResponse({ type: VerificationCreatedDto })
  @ApiConflictResponse({
    description: 'Idempotency-Key reused with another body, or its first request is still running',
  })
  @ApiBadGatewayResponse({ description: 'The provider refused the initiation (its `cause` in the body)' })
  @ApiServiceUnavailableResponse({
    description: 'The provider (or the database) did not answer: retry after Retry-After',
  })
  create(
    @Body() dto: CreateVerificationDto,
    @Req() req: AuthenticatedRequest,
    @Headers('idempotency-key') idempotencyKey?: string,
  ): Promise<VerificationCreatedDto> {
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw ProblemException.of(400, 'Invalid request: Idempotency-Key', {
        type: 'validation-error',
        title: 'Validation failed',
        errors: [
          {
            field: 'Idempotency-Key',
            message: 'Idempotency-Key must be 1 to 255 printable ASCII characters',
          },
        ],
      });
    }
    return this.flows.create(dto, req.apiKeyId!, idempotencyKey);
  }

  @Get(':id')
  @ApiOperation({ summary: "A verification's status and result (never KTP data)" })
  @ApiOkResponse({ type: VerificationDto })
  get(@Param('id', UUID_ID_PIPE) id: string): Promise<VerificationDto> {
    return this.flows.get(id);
  }

  @Get()
  @ApiOperation({ summary: "A user's verifications, newest first" })
  @ApiOkResponse({ type: VerificationListDto })
  async list(@Query() q: ListVerificationsQueryDto): Promise<VerificationListDto> {
    return { data: await this.flows.listForUser(q.userId, q.userIdType ?? 'USER_ID') };
  }
}
