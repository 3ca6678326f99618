import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { AdminApiKeyGuard } from '../partner-auth/admin-key.guard.js';
import { AdminService } from './admin.service.js';
import { ListUnmatchedCallbacksQueryDto, UnmatchedCallbackListDto } from './dto/admin-callbacks.dto.js';
import { ProblemDto } from './dto/problem.dto.js';

@ApiTags('admin')
@ApiBearerAuth('admin')
@ApiUnauthorizedResponse({ description: 'No admin key, or not an admin key', type: ProblemDto })
@UseGuards(AdminApiKeyGuard)
@Controller('admin/callbacks')
export class AdminCallbacksController {
  constructor(private readonly admin: AdminService) {}

  @Get('unmatched')
  @ApiOperation({
    summary: 'Quarantined callbacks',
    description:
      'Well-formed callbacks for sessions we never issued, newest first, keyset-paginated like the ' +
      'submissions list. Only ids, status and masked KTP data are shown.',
  })
  @ApiOkResponse({ type: UnmatchedCallbackListDto })
  @ApiBadRequestResponse({
    description: 'A parameter is invalid or unknown, or the cursor is not ours',
    type: ProblemDto,
  })
  unmatched(@Query() query: ListUnmatchedCallbacksQueryDto): Promise<UnmatchedCallbackListDto> {
    return this.admin.unmatchedCallbacks(query);
  }
}
