import { Global, Module } from '@nestjs/common';
import { ConsoleSessionController } from './console-session.controller.js';
import { ConsoleSessionsService } from './console-sessions.service.js';
import { ConsoleStaticController } from './console-static.controller.js';

/**
 * The operator console: its page at /console and its sessions. Global so the admin guard, used by
 * controllers of several modules, can accept a session cookie wherever it runs.
 */
@Global()
@Module({
  controllers: [ConsoleStaticController, ConsoleSessionController],
  providers: [ConsoleSessionsService],
  exports: [ConsoleSessionsService],
})
export class ConsoleModule {}
