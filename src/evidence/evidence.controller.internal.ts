// Evidence archive, operators' side (ADMIN_API_KEYS): a submission's evidence with each image's
// download state, and the archived image itself (audited, like a reveal).
import { Controller, Get, Param, Req, Res, StreamableFile, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiGoneResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ProblemDto } from '../admin/dto/problem.dto.js';
import { AdminApiKeyGuard, AuthenticatedRequest } from '../partner-auth/admin-key.guard.js';
import { UUID_ID_PIPE } from '../common/uuid-param.pipe.js';
import { EvidenceCatalog } from './evidence-catalog.js';
import { EVIDENCE_KINDS, EvidenceKind } from './evidence-follow-up.js';
import { EVIDENCE_KIND_PIPE } from './evidence-kind.pipe.js';
import { IMAGE_CONTENT, sendImage } from './evidence-response.js';
import { AdminEvidenceListDto } from './evidence.dto.js';

@ApiTags('admin')
@ApiBearerAuth('admin')
@ApiUnauthorizedResponse({ description: 'No admin key, or not an admin key', type: ProblemDto })
@UseGuards(AdminApiKeyGuard)
@Controller('admin/submissions')
export class EvidenceAdminController {
  constructor(private readonly catalog: EvidenceCatalog) {}

  @Get(':id/evidence')
  @ApiOperation({
    summary: "A submission's evidence and its archiving state",
    description:
      'One entry per image kind the provider sent: PENDING (being downloaded; attempts, last error and next ' +
      'attempt shown), ARCHIVED, FAILED (not an image, too large, refused), EXPIRED (the link expired first) or ERASED.',
  })
  @ApiParam({ name: 'id', format: 'uuid', description: 'The submission id (x-partner-session-id)' })
  @ApiOkResponse({ type: AdminEvidenceListDto })
  @ApiBadRequestResponse({ description: '`id` is not a UUID', type: ProblemDto })
  @ApiNotFoundResponse({ description: 'No such submission', type: ProblemDto })
  async list(@Param('id', UUID_ID_PIPE) id: string): Promise<AdminEvidenceListDto> {
    return { data: await this.catalog.detailsForSubmission(id) };
  }

  @Get(':id/evidence/:kind')
  @ApiOperation({
    summary: 'An archived image (audited)',
    description:
      'The KTP or selfie image as archived from the provider, with its own content type, `Cache-Control: no-store` ' +
      'and `Repr-Digest` (its SHA-256). The read is written to the audit log before the image is sent.',
  })
  @ApiParam({ name: 'id', format: 'uuid', description: 'The submission id (x-partner-session-id)' })
  @ApiParam({ name: 'kind', enum: EVIDENCE_KINDS })
  @ApiOkResponse({ description: 'The image', content: IMAGE_CONTENT })
  @ApiBadRequestResponse({
    description: '`id` is not a UUID or `kind` is not an image kind',
    type: ProblemDto,
  })
  @ApiNotFoundResponse({ description: 'No such submission, or the image is not archived', type: ProblemDto })
  @ApiGoneResponse({ description: 'The image was erased', type: ProblemDto })
  @ApiServiceUnavailableResponse({ description: 'The evidence store did not answer', type: ProblemDto })
  async image(
    @Param('id', UUID_ID_PIPE) id: string,
    @Param('kind', EVIDENCE_KIND_PIPE) kind: EvidenceKind,
    @Req() request: AuthenticatedRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<StreamableFile> {
    const image = await this.catalog.read(id, kind, {
      actorKind: 'admin',
      actorId: request.adminKeyId!,
      requestId: String(request.id),
    });
    return sendImage(reply, image);
  }
}
