// The request line, written from Fastify's own hooks (no HTTP middleware layer): one JSON line per
// request, health and metrics probes aside, with method, route template, path without the query,
// status, duration, request id and caller kind. Each request also runs in a logging context, so
// what the service logs while handling it carries the request: the child logger for that is made
// on first use, as most requests log nothing but their line.
import { AsyncLocalStorage } from 'node:async_hooks';
import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';

export const ROOT_LOGGER = Symbol('ROOT_LOGGER');

const PROBE = /^\/(health|metrics)(\/|\?|$)/;

/** What a line says of its request: never the query string, the body or a header. */
function requestFields(request: FastifyRequest): { id: string; method: string; path: string } {
  const q = request.url.indexOf('?');
  return {
    id: String(request.id),
    method: request.method,
    path: q < 0 ? request.url : request.url.slice(0, q),
  };
}

class RequestContext {
  private child?: Logger;
  constructor(
    private readonly root: Logger,
    private readonly request: FastifyRequest,
  ) {}
  get logger(): Logger {
    return (this.child ??= this.root.child({ req: requestFields(this.request) }));
  }
}

const contexts = new AsyncLocalStorage<RequestContext>();

/** The logger of the request being handled, if any (read by the application's Nest logger). */
export function requestLogger(): Logger | undefined {
  return contexts.getStore()?.logger;
}

type LoggedRequest = FastifyRequest & { caller?: { kind: string }; [CONTEXT]?: RequestContext };
const CONTEXT = Symbol('request-log-context');

@Injectable()
export class RequestLogHook implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(ROOT_LOGGER) private readonly root: Logger,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify?.addHook) return;
    const context = (request: LoggedRequest) => (request[CONTEXT] ??= new RequestContext(this.root, request));
    fastify.addHook('onRequest', (request, _reply, done) => contexts.run(context(request), done));
    // Entered again once the body has been read: the body stream's events run outside it.
    fastify.addHook('preValidation', (request, _reply, done) => contexts.run(context(request), done));
    fastify.addHook('onResponse', (request: LoggedRequest, reply, done) => {
      this.line(request, reply);
      done();
    });
  }

  private line(request: LoggedRequest, reply: FastifyReply): void {
    const status = reply.statusCode;
    const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
    // Nothing is computed for a line the level leaves out (at LOG_LEVEL=warn, every success).
    if (!this.root.isLevelEnabled(level)) return;
    const route = request.routeOptions?.url;
    if (PROBE.test(route ?? request.url)) return;
    const req = requestFields(request);
    this.root[level](
      {
        req,
        res: { statusCode: status },
        route: route ?? 'unmatched',
        callerKind: request.caller?.kind ?? 'none',
        durationMs: Math.round(reply.elapsedTime * 10) / 10,
      },
      `${req.method} ${route ?? req.path} ${status}`,
    );
  }
}
