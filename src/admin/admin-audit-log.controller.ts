// Admin room: the audit log for operators (who read or erased personal data, when), newest first.
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
import { AuditLogListDto, ListAuditLogQueryDto } from './dto/admin-audit-log.dto.js';
import { ProblemDto } from './dto/problem.dto.js';

@ApiTags('admin')
@ApiBearerAuth('admin')
@ApiUnauthorizedResponse({ description: 'No admin key, or not an admin key', type: ProblemDto })
@UseGuards(AdminApiKeyGuard)
@Controller('admin/audit-log')
export class AdminAuditLogController {
  constructor(private readonly admin: AdminService) {}

  @Get()
  @ApiOperation({
    summary: 'The audit log',
    description:
      'Every reveal, identity read, evidence read and erasure, newest first, keyset-paginated like the ' +
      'submissions list (`nextCursor`). The log is append-only: the database refuses to change or delete a row.',
  })
  @ApiOkResponse({ type: AuditLogListDto })
  @ApiBadRequestResponse({
    description: 'A parameter is invalid or unknown, or the cursor is not ours',
    type: ProblemDto,
  })
  list(@Query() query: ListAuditLogQueryDto): Promise<AuditLogListDto> {
    return this.admin.auditLog(query);
  }
}
