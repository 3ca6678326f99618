import { Module } from '@nestjs/common';
import { AdminAuditLogController } from './admin-audit-log.controller.js';
import { AdminCallbacksController } from './admin-callbacks.controller.js';
import { AdminStatsController } from './admin-stats.controller.js';
import { AdminSubmissionsController } from './admin-submissions.controller.js';
import { AdminRepository } from './admin.repository.js';
import { AdminService } from './admin.service.js';
import { ReconciliationModule } from '../reconciliation/reconciliation.module.js';
import { SubmissionsModule } from '../submissions/submissions.module.js';

/** The operators' API under /admin (ADMIN_API_KEYS). Reads and masks through the store (SubmissionsModule). */
@Module({
  imports: [ReconciliationModule, SubmissionsModule],
  controllers: [
    AdminSubmissionsController,
    AdminStatsController,
    AdminCallbacksController,
    AdminAuditLogController,
  ],
  providers: [AdminRepository, AdminService],
  exports: [AdminService],
})
export class AdminModule {}
