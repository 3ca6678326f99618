// Erasure room: the one path that erases personal data, on request or by age (see erasure.service.ts).
import { Module } from '@nestjs/common';
import { CallbacksModule } from '../callbacks/callbacks.module.js';
import { SubmissionsModule } from '../submissions/submissions.module.js';
import { ErasureController } from './erasure.controller.js';
import { ErasureService } from './erasure.service.js';

@Module({
  imports: [CallbacksModule, SubmissionsModule],
  controllers: [ErasureController],
  providers: [ErasureService],
  exports: [ErasureService],
})
export class ErasureModule {}
