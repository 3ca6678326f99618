// Identity room: identity data for the partner's back end (see identity.service.ts).
import { Module } from '@nestjs/common';
import { IdentityExternalController } from './identity.controller.external.js';
import { IdentityService } from './identity.service.js';

@Module({ controllers: [IdentityExternalController], providers: [IdentityService] })
export class IdentityModule {}
