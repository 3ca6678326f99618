import { DynamicModule, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AdminModule } from './admin/admin.module.js';
import { AuditModule } from './audit/audit.module.js';
import { CallbacksModule } from './callbacks/callbacks.module.js';
import { AppConfig } from './config/app-config.js';
import { AppConfigModule } from './config/config.module.js';
import { ConsoleModule } from './console/console.module.js';
import { ErasureModule } from './erasure/erasure.module.js';
import { EvidenceModule } from './evidence/evidence.module.js';
import { FlowsModule } from './flows/flows.module.js';
import { DatabaseModule } from './database/database.module.js';
import { typeOrmOptions } from './database/typeorm-options.js';
import { HealthModule } from './health/health.module.js';
import { IdentityModule } from './identity/identity.module.js';
import { LoggingModule } from './logging/logging.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { OneKycModule } from './onekyc/onekyc.module.js';
import { PartnerAuthModule } from './partner-auth/partner-auth.module.js';
import { ReconciliationModule } from './reconciliation/reconciliation.module.js';
import { RetentionModule } from './retention/retention.module.js';
import { SubmissionsModule } from './submissions/submissions.module.js';
import { WebhooksModule } from './webhooks/webhooks.module.js';

/** The root module, built from the validated configuration (see main.ts and test/support). */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config),
        LoggingModule.forRoot(config),
        TypeOrmModule.forRootAsync({
          useFactory: () => typeOrmOptions(config.database.url, config.database.poolSize),
        }),
        DatabaseModule,
        ScheduleModule.forRoot(),
        MetricsModule,
        HealthModule,
        PartnerAuthModule,
        AuditModule,
        OneKycModule,
        SubmissionsModule,
        ConsoleModule,
        AdminModule,
        CallbacksModule,
        FlowsModule,
        IdentityModule,
        ErasureModule,
        ReconciliationModule,
        RetentionModule,
        WebhooksModule,
        EvidenceModule,
      ],
    };
  }
}
