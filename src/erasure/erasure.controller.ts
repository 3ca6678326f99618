// Erasure room: POST /admin/erasures, an operator erasing one user's personal data on request.
import { Body, Controller, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { AdminApiKeyGuard, AuthenticatedRequest } from '../partner-auth/admin-key.guard.js';
import { CreateErasureDto, ErasureDto } from './erasure.dto.js';
import { ErasureService } from './erasure.service.js';

@ApiTags('admin')
@ApiBearerAuth('admin')
@ApiUnauthorizedResponse({ description: 'No admin key, or not an admin key' })
@UseGuards(AdminApiKeyGuard)
@Controller('admin/erasures')
export class ErasureController {
  constructor(private readonly erasure: ErasureService) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: "Erase one user's personal data (right to erasure)",
    description:
      "Erases for good the user's KTP data, contacts, image URLs, archived images and the raw provider payloads " +
      'of their events and quarantined callbacks; keeps ids, statuses, results, reason codes and times. ' +
      'Idempotent. Audited with the reason. Each verification that lost data emits verification.redacted; ' +
      'its identity read answers 410 afterwards.',
  })
  @ApiOkResponse({ type: ErasureDto })
  @ApiBadRequestResponse({ description: 'A field is missing or invalid (named in the answer)' })
  async erase(@Body() dto: CreateErasureDto, @Req() req: AuthenticatedRequest): Promise<ErasureDto> {
    const out = await this.erasure.eraseUser({
      userId: dto.userId,
      userIdType: dto.userIdType ?? 'USER_ID',
      reason: dto.reason,
      adminKeyId: req.adminKeyId!,
      requestId: String(req.id),
    });
    return { ...out, erasedAt: out.erasedAt.toISOString() };
  }
}
