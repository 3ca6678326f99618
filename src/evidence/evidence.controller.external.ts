// Evidence archive, partner side: GET /v1/verifications/:id/evidence/:kind for the partner's back
// end. Identity keys (IDENTITY_API_KEYS) only: a plain partner key or an end-user token is 403.
import { Controller, Get, Param, Req, Res, StreamableFile, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiGoneResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { UUID_ID_PIPE } from '../common/uuid-param.pipe.js';
import { AllowCallers } from '../partner-auth/allow-callers.decorator.js';
import { CallerRequest } from '../partner-auth/caller.js';
import { PartnerCallerGuard } from '../partner-auth/partner-caller.guard.js';
import { PartnerThrottlerGuard } from '../partner-auth/partner-throttler.guard.js';
import { EvidenceCatalog } from './evidence-catalog.js';
import { EVIDENCE_KINDS, EvidenceKind } from './evidence-follow-up.js';
import { EVIDENCE_KIND_PIPE } from './evidence-kind.pipe.js';
import { IMAGE_CONTENT, sendImage } from './evidence-response.js';

@ApiTags('verifications')
@ApiBearerAuth('identity')
@AllowCallers('identity')
@UseGuards(PartnerCallerGuard, PartnerThrottlerGuard)
@Controller('v1/verifications')
export class EvidenceExternalController {
  constructor(private readonly catalog: EvidenceCatalog) {}

  @Get(':id/evidence/:kind')
  @ApiOperation({
    summary: 'An archived KTP or selfie image (identity keys only)',
    description:
      'The image as archived from the provider (whose own links expire after 5 days), with its content type, ' +
      '`Cache-Control: no-store` and `Repr-Digest` (its SHA-256, as listed by the identity read). Every read is ' +
      'written to the audit log. 404 while the image is not archived; 410 after an erasure.',
  })
  @ApiParam({ name: 'id', format: 'uuid', description: 'The verification id' })
  @ApiParam({ name: 'kind', enum: EVIDENCE_KINDS })
  @ApiOkResponse({ description: 'The image', content: IMAGE_CONTENT })
  @ApiBadRequestResponse({ description: '`id` is not a UUID or `kind` is not an image kind' })
  @ApiForbiddenResponse({ description: 'A partner key that is not an identity key, or an end-user token' })
  @ApiNotFoundResponse({ description: 'No such verification, or the image is not archived (yet)' })
  @ApiGoneResponse({ description: 'The image was erased' })
  @ApiServiceUnavailableResponse({ description: 'The evidence store did not answer' })
  async image(
    @Param('id', UUID_ID_PIPE) id: string,
    @Param('kind', EVIDENCE_KIND_PIPE) kind: EvidenceKind,
    @Req() req: CallerRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<StreamableFile> {
    const image = await this.catalog.read(id, kind, {
      actorKind: 'identity',
      actorId: req.caller!.ref,
      requestId: String(req.id),
    });
    return sendImage(reply, image);
  }
}
