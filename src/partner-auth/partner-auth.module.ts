// Partner-auth room: who may call the partner API, as what (see caller.ts), and how often
// (API_RATE_LIMIT_PER_MINUTE per key or per end user). Global, so any module's partner routes can
// use PartnerCallerGuard and PartnerThrottlerGuard, and the admin guard can recognise user tokens.
import { Global, Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { AppConfig } from '../config/app-config.js';
import { PartnerCallerGuard } from './partner-caller.guard.js';
import { PartnerThrottlerGuard } from './partner-throttler.guard.js';
import { SlidingWindowThrottlerStorage } from './sliding-window-throttler.storage.js';
import { UserTokenVerifier } from './user-token.verifier.js';

@Global()
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        throttlers: [{ name: 'partner', ttl: 60_000, limit: config.apiRateLimitPerMinute }],
        storage: new SlidingWindowThrottlerStorage(),
      }),
    }),
  ],
  providers: [UserTokenVerifier, PartnerCallerGuard, PartnerThrottlerGuard],
  exports: [UserTokenVerifier, PartnerCallerGuard, PartnerThrottlerGuard],
})
export class PartnerAuthModule {}
