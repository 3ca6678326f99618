// The provider's result callback: POST, PUT or PATCH /v1/callbacks/onekyc (the partner registers
// one method with the provider; all three are served). 200 {"received": true} only after the
// event and its effect are committed.
import { applyDecorators, Controller, HttpCode, Patch, Post, Put, Res, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiForbiddenResponse,
  ApiHeader,
  ApiInternalServerErrorResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CallbackAuthGuard } from './callback-auth.guard.js';
import { OneKycCallbackDto } from './callback-body.dto.js';
import { CallbackBody, ProviderCallbackBody } from './callback-body.pipe.js';
import { CallbackMetrics } from './callback-metrics.js';
import { CallbacksService, isSigningCallback } from './callbacks.service.js';

const RECEIVED = Object.freeze({ received: true as const });

const PROBLEM = { 'application/problem+json': { schema: { type: 'object' } } };

function CallbackDocs(method: string) {
  return applyDecorators(
    ApiOperation({
      operationId: `receiveOneKycCallback${method}`,
      summary: `Provider result callback (${method})`,
      description:
        'Called by GoTo OneKYC when a submission progresses or completes. Delivery is at least once: ' +
        'duplicates (same submissionId, status and result) are recorded and answered 200 without a second ' +
        'effect; an older status after a newer one is recorded and ignored. A callback for a session we ' +
        'never issued is quarantined for operators and answered 200; so is a result whose userId/userIdType ' +
        "differ from the session's, or are missing (flagged as a conflict, never applied), and a signing " +
        'callback (callbackType USER_BASIS or DOCUMENT_BASIS: kept, flagged, never a KYC result). A COMPLETED ' +
        'without a result is recorded but not taken as final. The 200 is sent only once the event ' +
        'and its effect are committed; any other answer means "retry". Fields the provider adds later are ' +
        'accepted and kept in the stored raw payload.',
    }),
    ApiHeader({
      name: 'authorization',
      required: true,
      description:
        'The static credential the provider was given (any of CALLBACK_AUTH_VALUES). The header name is ' +
        'CALLBACK_AUTH_HEADER (default authorization).',
    }),
    ApiBody({ type: OneKycCallbackDto }),
    ApiOkResponse({
      description: 'Stored and applied (or recorded as a duplicate, stale, conflict or unknown session)',
      schema: {
        type: 'object',
        properties: { received: { type: 'boolean', enum: [true] } },
        required: ['received'],
      },
    }),
    ApiBadRequestResponse({
      description:
        'Not a JSON object, or a missing/invalid partnerSessionId, submissionId, status, result or wrongly typed field',
      content: PROBLEM,
    }),
    ApiUnauthorizedResponse({ description: 'Missing or invalid credential', content: PROBLEM }),
    ApiForbiddenResponse({ description: 'Caller IP not in CALLBACK_ALLOWED_IPS', content: PROBLEM }),
    ApiPayloadTooLargeResponse({ description: 'Body over 256 KiB', content: PROBLEM }),
    ApiInternalServerErrorResponse({
      description: 'Not stored (e.g. the database failed): the provider should retry',
      content: PROBLEM,
    }),
  );
}

@ApiTags('callbacks')
@Controller('v1/callbacks/onekyc')
@UseGuards(CallbackAuthGuard)
export class CallbacksController {
  constructor(
    private readonly callbacks: CallbacksService,
    private readonly metrics: CallbackMetrics,
  ) {}

  @Post()
  @HttpCode(200)
  @CallbackDocs('POST')
  post(@ProviderCallbackBody() body: CallbackBody, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.receive(body, reply);
  }

  @Put()
  @HttpCode(200)
  @CallbackDocs('PUT')
  put(@ProviderCallbackBody() body: CallbackBody, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.receive(body, reply);
  }

  @Patch()
  @HttpCode(200)
  @CallbackDocs('PATCH')
  patch(@ProviderCallbackBody() body: CallbackBody, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.receive(body, reply);
  }

  private async receive(body: CallbackBody, reply: FastifyReply): Promise<typeof RECEIVED> {
    if (isSigningCallback(body)) await this.callbacks.ingestSigning(body);
    else await this.callbacks.ingest(body);
    // Fastify's clock starts when the request arrives: this is receipt → commit.
    this.metrics.committed(reply.elapsedTime);
    return RECEIVED;
  }
}
