// Identity room: identity data for the partner's back end (see identity.service.ts).
import { Module } from '@nestjs/common';
import { SubmissionsModule } from '../submissions/submissions.module.js';
import { IdentityExternalController } from './identity.controller.external.js';
import { IdentityService } from './identity.service.js';

@Module({
  imports: [SubmissionsModule],
  controllers: [IdentityExternalController],
  providers: [IdentityService],
})
export class IdentityModule {}
