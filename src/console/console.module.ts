import { Global, Module } from '@nestjs/common';
import { ADMIN_SESSIONS } from '../common/admin-session-port.js';
import { ConsoleSessionController } from './console-session.controller.js';
import { ConsoleSessionsService } from './console-sessions.service.js';
import { ConsoleStaticController } from './console-static.controller.js';

/**
 * The operator console: its page at /console and its sessions. Global so the admin guard, used by
 * controllers of several modules, finds the sessions (the ADMIN_SESSIONS port) wherever it runs.
 */
@Global()
@Module({
  controllers: [ConsoleStaticController, ConsoleSessionController],
  providers: [ConsoleSessionsService, { provide: ADMIN_SESSIONS, useExisting: ConsoleSessionsService }],
  exports: [ConsoleSessionsService, ADMIN_SESSIONS],
})
export class ConsoleModule {}
