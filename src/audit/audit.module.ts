// Audit room: global, so every room that shows or erases personal data records it the same way.
import { Global, Module } from '@nestjs/common';
import { AuditLogRepository } from './audit-log.repository.js';

@Global()
@Module({ providers: [AuditLogRepository], exports: [AuditLogRepository] })
export class AuditModule {}
