// Builds the configured Nest application on Fastify. Shared by main.ts and the e2e tests, so the
// tests exercise exactly what runs in production (filters, pipes, limits, headers, docs).
import type { IncomingMessage } from 'node:http';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module.js';
import { AppConfig } from './config/app-config.js';
import { clientErrorHandler, frameworkErrorHandler, PROBLEM_JSON } from './common/framework-errors.js';
import { depthLimitedJsonParser } from './common/json-depth.js';
import { ProblemDetailsFilter } from './common/problem-details.filter.js';
import { problem } from './common/problem.js';
import { bearerToken, SecretSet } from './common/secrets.js';
import { securityHeaders } from './common/security-headers.js';
import { createValidationPipe } from './common/validation.js';
import { QuietStartupLogger, requestIdFrom } from './logging/logging.module.js';
import { createOpenApiDocument } from './openapi/openapi.document.js';

export const BODY_LIMIT_BYTES = 256 * 1024;
/** Headers and body must have arrived within this, or the answer is 408 and the socket closed. */
export const REQUEST_TIMEOUT_MS = 30_000;

/** Fastify's trust function for a hop count (`hop` 0 is the socket peer, then X-Forwarded-For from the right). */
function trustHops(hops: number): (address: string, hop: number) => boolean {
  return (_address, hop) => hop < hops;
}

export async function createApp(config: AppConfig): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    // A hop count n trusts the socket peer and the n-1 entries after it from the right.
    trustProxy:
      typeof config.callback.trustProxy === 'number'
        ? trustHops(config.callback.trustProxy)
        : config.callback.trustProxy,
    genReqId: (req: IncomingMessage) => requestIdFrom(req),
    forceCloseConnections: 'idle',
    // Fastify's default (0) turns Node's request timeout off: a body trickled a byte at a time
    // then held a connection forever. Node checks open requests every second for it.
    requestTimeout: REQUEST_TIMEOUT_MS,
    http: {
      requestTimeout: REQUEST_TIMEOUT_MS,
      headersTimeout: REQUEST_TIMEOUT_MS,
      connectionsCheckingInterval: 1000,
    },
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
  app.useLogger(new QuietStartupLogger(app.get(Logger)));
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
  // helmet's security headers on every answer, computed once (see security-headers.ts).
  const security = securityHeaders();
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    reply.headers(security.set);
    for (const name of security.removed) reply.removeHeader(name);
    done();
  });

  if (config.metricsToken) {
    // METRICS_TOKEN: /metrics answers only with it as a bearer token (compared in constant time).
    const accepted = new SecretSet([config.metricsToken]);
    fastify.addHook('onRequest', (request, reply, done) => {
      const path = request.url.split('?')[0];
      if (path !== '/metrics' || accepted.match(bearerToken(request.headers.authorization)) >= 0) {
        return done();
      }
      void reply
        .code(401)
        .header('www-authenticate', 'Bearer realm="metrics"')
        .type(PROBLEM_JSON)
        .send(JSON.stringify(problem(401, 'The metrics need Authorization: Bearer <METRICS_TOKEN>')));
    });
  }

  if (config.docsEnabled) {
    // The same document `npm run openapi:export` writes (see src/openapi/).
    SwaggerModule.setup('docs', app, createOpenApiDocument(app), { jsonDocumentUrl: 'docs-json' });
  }
  return app;
}
