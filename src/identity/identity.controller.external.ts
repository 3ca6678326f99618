// Identity room: GET /v1/verifications/:id/identity for the partner's back end. Identity keys
// (IDENTITY_API_KEYS) only: a plain partner key or an end-user token is refused with 403.
import { Controller, Get, Param, Req, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiGoneResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { UUID_ID_PIPE } from '../common/uuid-param.pipe.js';
import { AllowCallers } from '../partner-auth/allow-callers.decorator.js';
import { CallerRequest } from '../partner-auth/caller.js';
import { PartnerCallerGuard } from '../partner-auth/partner-caller.guard.js';
import { PartnerThrottlerGuard } from '../partner-auth/partner-throttler.guard.js';
import { VerificationIdentityDto } from './identity.dto.js';
import { IdentityService } from './identity.service.js';

@ApiTags('verifications')
@ApiBearerAuth('identity')
@AllowCallers('identity')
@UseGuards(PartnerCallerGuard, PartnerThrottlerGuard)
@Controller('v1/verifications')
export class IdentityExternalController {
  constructor(private readonly identity: IdentityService) {}

  @Get(':id/identity')
  @ApiOperation({
    summary: 'The verified identity (identity keys only)',
    description:
      'Decrypted KTP data, the certificate registration and the archived evidence of a verification, for ' +
      "the partner's back end. Every read is written to the audit log (key id, verification, fields, request id, time).",
  })
  @ApiOkResponse({ type: VerificationIdentityDto })
  @ApiForbiddenResponse({ description: 'A partner key that is not an identity key, or an end-user token' })
  @ApiNotFoundResponse({ description: 'No such verification' })
  @ApiGoneResponse({ description: "The verification's personal data was erased" })
  read(@Param('id', UUID_ID_PIPE) id: string, @Req() req: CallerRequest): Promise<VerificationIdentityDto> {
    return this.identity.read(id, { keyRef: req.caller!.ref, requestId: String(req.id) });
  }
}
