// The partner API (partner frontends and back ends): start a verification, read it back.
// Callers: partner and identity keys (any user) and end-user tokens (that user only, see
// partner-auth/caller-scope.ts); PartnerCallerGuard sets `request.caller`.
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
import { UUID_ID_PIPE } from '../common/uuid-param.pipe.js';
import { validationProblem } from '../common/validation.js';
import { Caller, CallerRequest } from '../partner-auth/caller.js';
import { scopeToUser, UserRef } from '../partner-auth/caller-scope.js';
import { PartnerCallerGuard } from '../partner-auth/partner-caller.guard.js';
import { CreateVerificationDto, ListVerificationsQueryDto } from './dto/create-verification.dto.js';
import { VerificationCreatedDto, VerificationDto, VerificationListDto } from './dto/verification.response.js';
import { FlowsService } from './flows.service.js';
import { PartnerThrottlerGuard } from '../partner-auth/partner-throttler.guard.js';
import { FlowsError } from './flows.errors.js';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

@ApiTags('verifications')
@ApiBearerAuth('partner')
@ApiBearerAuth('user')
@UseGuards(PartnerCallerGuard, PartnerThrottlerGuard)
@Controller('v1/verifications')
export class FlowsExternalController {
  constructor(private readonly flows: FlowsService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: 'Start a Standalone Identity Verification',
    description:
      'Validates the verified phone or email, calls Initiate Flow and returns the SDK token (or web launch URL). ' +
      'With an end-user token the user comes from the token (a different body userId is 403). ' +
      'Errors: 400 naming the field, 401, 403, 409 (Idempotency-Key reused with another body, or still in progress), ' +
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
    @Req() req: CallerRequest,
    @Headers('idempotency-key') idempotencyKey?: string,
  ): Promise<VerificationCreatedDto> {
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw validationProblem([
        { field: 'Idempotency-Key', message: 'Idempotency-Key must be 1 to 255 printable ASCII characters' },
      ]);
    }
    const caller = req.caller!;
    const user = this.userOf(caller, dto);
    // Idempotency keys are scoped to the caller: the API key, or the end user.
    return this.flows.create({ ...dto, ...user }, caller.ref, idempotencyKey);
  }

  @Get(':id')
  @ApiOperation({
    summary: "A verification's status and result (never KTP data)",
    description: "An end-user token reads only its user's verifications: another user's id is 404.",
  })
  @ApiOkResponse({ type: VerificationDto })
  get(@Param('id', UUID_ID_PIPE) id: string, @Req() req: CallerRequest): Promise<VerificationDto> {
    return this.flows.get(id, req.caller!);
  }

  @Get()
  @ApiOperation({
    summary: "A user's verifications, newest first",
    description: 'With an end-user token, userId may be left out (the token names the user).',
  })
  @ApiOkResponse({ type: VerificationListDto })
  async list(@Query() q: ListVerificationsQueryDto, @Req() req: CallerRequest): Promise<VerificationListDto> {
    const user = this.userOf(req.caller!, q);
    return { data: await this.flows.listForUser(user.userId, user.userIdType) };
  }

  private userOf(caller: Caller, named: { userId?: string; userIdType?: string }): UserRef {
    const decision = scopeToUser(caller, named, 'USER_ID');
    if (decision.outcome === 'scoped') return decision.user;
    if (decision.outcome === 'missing') {
      throw validationProblem([
        { field: decision.field, message: `${decision.field} is required with a partner key` },
      ]);
    }
    throw new FlowsError(
      'NOT_THE_TOKEN_USER',
      `${decision.field} must be the end user's own (the token names the user)`,
      { errors: [{ field: decision.field, message: `${decision.field} differs from the token's user` }] },
    );
  }
}
