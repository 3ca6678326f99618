import { Module } from '@nestjs/common';
import { AdminAuditLogController } from './admin-audit-log.controller.js';
import { AdminCallbacksController } from './admin-callbacks.controller.js';
import { AdminStatsController } from './admin-stats.controller.js';
import { AdminSubmissionsController } from './admin-submissions.controller.js';
import { AdminRepository } from './admin.repository.js';
import { AdminService } from './admin.service.js';
import { ReconciliationModule } from '../reconciliation/reconciliation.module.js';

/** The operators' API under /admin (ADMIN_API_KEYS). The store comes from the global SubmissionsModule. */
@Module({
  imports: [ReconciliationModule],
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
