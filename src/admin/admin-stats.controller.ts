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
import { AdminStatsDto } from './dto/admin-stats.dto.js';
import { ProblemDto } from './dto/problem.dto.js';
import { NoQueryParamsPipe } from './no-query-params.pipe.js';

@ApiTags('admin')
@ApiBearerAuth('admin')
@ApiUnauthorizedResponse({ description: 'No admin key, or not an admin key', type: ProblemDto })
@UseGuards(AdminApiKeyGuard)
@Controller('admin/stats')
export class AdminStatsController {
  constructor(private readonly admin: AdminService) {}

  @Get()
  @ApiOperation({
    summary: 'How the service is doing',
    description:
      'Counts by status and result, the oldest pending submission, conflicts, quarantined callbacks and the ' +
      'last reconciliation runs. Counts scan the table: for dashboards, not for tight loops.',
  })
  @ApiOkResponse({ type: AdminStatsDto })
  @ApiBadRequestResponse({ description: 'Any query parameter (there are none)', type: ProblemDto })
  stats(@Query(NoQueryParamsPipe) _query: Record<string, never>): Promise<AdminStatsDto> {
    return this.admin.stats();
  }
}
