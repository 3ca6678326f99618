// The operators' view of submissions (ADMIN_API_KEYS). Read-only, except the forced reconcile
// (POST :id/reconcile), which the reconciliation module adds here as one more method.
import { Controller, Get, HttpCode, Param, Post, Query, Req, UseGuards } from '@nestjs/common';
import {
  ApiBadGatewayResponse,
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { AdminApiKeyGuard, AuthenticatedRequest } from '../partner-auth/admin-key.guard.js';
import { UUID_ID_PIPE } from '../common/uuid-param.pipe.js';
import { validationProblem } from '../common/validation.js';
import { ReconciliationService } from '../reconciliation/reconciliation.service.js';
import { AdminService } from './admin.service.js';
import {
  AdminSubmissionDetailDto,
  AdminSubmissionListDto,
  ListSubmissionsQueryDto,
  SubmissionDetailQueryDto,
} from './dto/admin-submissions.dto.js';
import { ProblemDto } from './dto/problem.dto.js';
import { AdminError } from './admin.errors.js';

@ApiTags('admin')
@ApiBearerAuth('admin')
@ApiUnauthorizedResponse({ description: 'No admin key, or not an admin key', type: ProblemDto })
@UseGuards(AdminApiKeyGuard)
@Controller('admin/submissions')
export class AdminSubmissionsController {
  constructor(
    private readonly admin: AdminService,
    private readonly reconciliation: ReconciliationService,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'Find submissions',
    description:
      'Newest first, keyset-paginated: pass `nextCursor` back as `cursor` with the same filters. ' +
      'Personal data is masked. Each single filter answers from its own index in milliseconds at any depth.',
  })
  @ApiOkResponse({ type: AdminSubmissionListDto })
  @ApiBadRequestResponse({
    description: 'A parameter is invalid or unknown, or the cursor is not ours',
    type: ProblemDto,
  })
  list(@Query() query: ListSubmissionsQueryDto): Promise<AdminSubmissionListDto> {
    return this.admin.listSubmissions(query);
  }

  @Get(':id')
  @ApiOperation({
    summary: 'One submission and its timeline',
    description:
      'Every initiation, callback (duplicates, stale and conflicting ones flagged), poll and status change, oldest first. ' +
      'Personal data is masked unless `reveal=true`, which is written to the audit log before the answer.',
  })
  @ApiParam({ name: 'id', format: 'uuid', description: 'The submission id (x-partner-session-id)' })
  @ApiOkResponse({ type: AdminSubmissionDetailDto })
  @ApiBadRequestResponse({ description: '`id` is not a UUID, or a parameter is invalid', type: ProblemDto })
  @ApiNotFoundResponse({ description: 'No such submission', type: ProblemDto })
  detail(
    @Param('id', UUID_ID_PIPE) id: string,
    @Query() query: SubmissionDetailQueryDto,
    @Req() request: AuthenticatedRequest,
  ): Promise<AdminSubmissionDetailDto> {
    // An operator in the console always says why (tools with a bearer key may too).
    if (query.reveal === 'true' && request.consoleSessionId && !query.reason) {
      throw validationProblem([
        { field: 'reason', message: 'reason is required to reveal personal data from the console' },
      ]);
    }
    const reveal =
      query.reveal === 'true'
        ? {
            adminKeyId: request.adminKeyId!,
            requestId: String(request.id),
            reason: query.reason,
            consoleSessionId: request.consoleSessionId,
          }
        : undefined;
    return this.admin.submissionDetail(id, reveal);
  }

  @Post(':id/reconcile')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Re-check a submission with the provider now',
    description:
      'Calls Get Submission Details at once (due or not), applies the answer through the transition function, and ' +
      'returns the updated submission (masked). 502/503 problem+json when the provider refuses or does not answer.',
  })
  @ApiParam({ name: 'id', format: 'uuid', description: 'The submission id (x-partner-session-id)' })
  @ApiOkResponse({ type: AdminSubmissionDetailDto })
  @ApiNotFoundResponse({ description: 'No such submission', type: ProblemDto })
  @ApiBadGatewayResponse({ description: 'The provider answered with an error', type: ProblemDto })
  async reconcile(@Param('id', UUID_ID_PIPE) id: string): Promise<AdminSubmissionDetailDto> {
    const updated = await this.reconciliation.reconcileOne(id, 'admin');
    if (!updated) throw new AdminError('SUBMISSION_NOT_FOUND', `No submission ${id}`);
    return this.admin.submissionDetail(id);
  }
}
