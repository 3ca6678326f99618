// Console room: GET /console and its few static files, read once from the build output and
// answered with the console's strict Content-Security-Policy. Not part of the API document.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ConsoleError } from './console.errors.js';
import { CONSOLE_ASSETS_DIR, CONSOLE_CSP, CONSOLE_FILES } from './console-assets.js';
import { ConsoleSessionsService } from './console-sessions.service.js';

@ApiExcludeController()
@Controller('console')
export class ConsoleStaticController {
  private readonly cache = new Map<string, Buffer>();

  constructor(private readonly sessions: ConsoleSessionsService) {}

  @Get()
  index(@Res() reply: FastifyReply): Promise<void> {
    return this.send(reply, 'index.html');
  }

  @Get('assets/:file')
  asset(@Param('file') file: string, @Res() reply: FastifyReply): Promise<void> {
    if (file === 'index.html' || !Object.hasOwn(CONSOLE_FILES, file)) {
      throw new ConsoleError(
        'CONSOLE_FILE_NOT_FOUND',
        `No console file ${JSON.stringify(file.slice(0, 64))}`,
      );
    }
    return this.send(reply, file);
  }

  private async send(reply: FastifyReply, file: string): Promise<void> {
    if (!this.sessions.enabled)
      throw new ConsoleError('CONSOLE_DISABLED', 'The operator console is turned off');
    let body = this.cache.get(file);
    if (!body) {
      try {
        body = await readFile(join(CONSOLE_ASSETS_DIR, file));
      } catch {
        throw new ConsoleError('CONSOLE_NOT_BUILT', 'The console is not built: run `npm run build`');
      }
      this.cache.set(file, body);
    }
    void reply
      .header('content-type', CONSOLE_FILES[file])
      .header('content-security-policy', CONSOLE_CSP)
      .header('cache-control', file === 'index.html' ? 'no-store' : 'no-cache')
      .header('cross-origin-resource-policy', 'same-origin')
      .send(body);
  }
}
