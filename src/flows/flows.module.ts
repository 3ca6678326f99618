import { Module } from '@nestjs/common';
import { OneKycModule } from '../onekyc/onekyc.module.js';
import { SubmissionsModule } from '../submissions/submissions.module.js';
import { FlowsExternalController } from './flows.controller.external.js';
import { FlowsService } from './flows.service.js';
import { IdempotencyRepository } from './idempotency.repository.js';

/** Starting and reading verifications (/v1/verifications); callers and rate limits: PartnerAuthModule. */
@Module({
  imports: [OneKycModule, SubmissionsModule],
  controllers: [FlowsExternalController],
  providers: [FlowsService, IdempotencyRepository],
})
export class FlowsModule {}
