// Builds the configured Nest application on Fastify. Shared by main.ts and the e2e tests, so the
// tests exercise exactly what runs in production (filters, pipes, limits, headers, docs).
import type { IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module.js';
import { AppConfig } from './config/app-config.js';
import { clientErrorHandler, frameworkErrorHandler } from './common/framework-errors.js';
import { depthLimitedJsonParser } from './common/json-depth.js';
import { ProblemDetailsFilter } from './common/problem-details.filter.js';
import { createValidationPipe } from './common/validation.js';
import { requestIdFrom } from './logging/logging.module.js';

// helmet itself, resolved as @fastify/helmet's own dependency (the version it was tested with).
const helmet = createRequire(createRequire(import.meta.url).resolve('@fastify/helmet'))(
  'helmet',
) as typeof import('helmet').default;

export const BODY_LIMIT_BYTES = 256 * 1024;

export async function createApp(config: AppConfig): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: config.callback.trustProxy,
    genReqId: (req: IncomingMessage) => requestIdFrom(req),
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    logger: false,
    // What Fastify and Node's parser answer themselves is problem+json too (framework-errors.ts).
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    bufferLogs: true,
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  app.flushLogs();
  // JSON bodies nested deeper than any request needs are a 400 at parsing (see json-depth.ts).
  app.useBodyParser(
    'application/json',
    { bodyLimit: BODY_LIMIT_BYTES },
    depthLimitedJsonParser(app.getHttpAdapter().getInstance()),
  );
  app.useGlobalFilters(new ProblemDetailsFilter());
  app.useGlobalPipes(createValidationPipe());

  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', (request, reply, done) => {
    (request.raw as typeof request.raw & { id?: string }).id = String(request.id);
    reply.header('x-request-id', request.id);
    done();
  });
  // helmet's security headers on every answer. Its middleware is built once here: @fastify/helmet
  // builds it again on every request (parsing the CSP directives each time), a few percent of the
  // CPU and most of the garbage of a small request in the bench's profiles.
  const securityHeaders = helmet({
    // Swagger UI needs inline styles/scripts; everything else keeps helmet's defaults.
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'validator.swagger.io'],
        scriptSrc: ["'self'", "'unsafe-inline'"],
      },
    },
  });
  fastify.addHook('onRequest', (request, reply, done) => {
    securityHeaders(request.raw, reply.raw, (err?: unknown) => done(err as Error | undefined));
  });

  if (config.docsEnabled) {
    const doc = new DocumentBuilder()
      .setTitle('OneKYC orchestrator')
      .setDescription(
        "Partner API (start and read identity verifications), provider callbacks, and the operators' admin API, " +
          'in front of GoTo OneKYC Standalone Identity Verification. Errors are RFC 9457 problem+json.',
      )
      .setVersion('1.0')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'Partner API key (API_KEYS)' }, 'partner')
      .addBearerAuth(
        { type: 'http', scheme: 'bearer', description: 'Admin API key (ADMIN_API_KEYS)' },
        'admin',
      )
      .build();
    const document = SwaggerModule.createDocument(app, doc);
    SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  }
  return app;
}
