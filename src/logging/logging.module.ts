// JSON-line logs through pino (nestjs-pino), a request id on every line, and a redaction list
// enforced in the logger itself so no call site has to remember it. One line per request
// (health and metrics probes aside): method, route template, path without the query, status,
// duration, request id and caller kind; 401s and 403s included (the presented secret never is).
// LOG_FORMAT=pretty (the default on a terminal outside production) prints them for people.
import { randomUUID } from 'node:crypto';
import { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { DynamicModule, LoggerService, Module, RequestMethod } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import type { Options as PinoHttpOptions } from 'pino-http';
import { AppConfig } from '../config/app-config.js';

/** What the request line reads off the raw request (set by app.factory.ts and setCaller). */
export type LoggedRequest = IncomingMessage & {
  id?: string;
  routeTemplate?: string;
  caller?: { kind: string };
};

/**
 * pino-pretty as a synchronous stream, so lines appear in order with what the process writes
 * itself (the start banner comes last). It is a development dependency: without it, JSON lines.
 */
function prettyStream(): DestinationStream | undefined {
  try {
    const pretty = createRequire(import.meta.url)('pino-pretty') as (opts: object) => DestinationStream;
    return pretty({ sync: true, singleLine: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' });
  } catch {
    return undefined;
  }
}

const PII_AND_SECRET_KEYS = [
  'authorization',
  'cookie',
  'x-onekyc-token',
  'pass-key',
  'passKey',
  'client-id',
  'clientId',
  'token',
  'sdkToken',
  'launchUrl',
  'apiKey',
  'adminKey',
  'csrfToken',
  'x-csrf-token',
  'key',
  'secret',
  'password',
  'nik',
  'name',
  'phoneNumber',
  'phone',
  'email',
  'address',
  'dateOfBirth',
  'ktpData',
  'imageUrls',
  'contact',
  'x-partner-user-id',
  'idempotency-key',
];

/** pino redact paths: each sensitive key at the top level and up to four levels deep. */
export const REDACT_PATHS: string[] = (() => {
  const paths = new Set<string>([
    'req.headers.authorization',
    'req.headers.cookie',
    'req.headers["x-onekyc-token"]',
    'req.headers["pass-key"]',
    'req.headers["client-id"]',
    'req.headers["idempotency-key"]',
    'req.headers["x-csrf-token"]',
    'res.headers["set-cookie"]',
  ]);
  const quote = (k: string) => (/^[A-Za-z_$][\w$]*$/.test(k) ? `.${k}` : `["${k}"]`);
  for (const k of PII_AND_SECRET_KEYS) {
    const seg = quote(k);
    paths.add(seg.startsWith('.') ? seg.slice(1) : seg);
    for (let depth = 1; depth <= 4; depth++) paths.add('*'.concat('.*'.repeat(depth - 1), seg));
  }
  return [...paths];
})();

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdFrom(req: IncomingMessage): string {
  const header = req.headers['x-request-id'];
  const value = Array.isArray(header) ? header[0] : header;
  return value && REQUEST_ID.test(value) ? value : randomUUID();
}

@Module({})
export class LoggingModule {
  static forRoot(config: AppConfig): DynamicModule {
    const options: PinoHttpOptions = {
      level: config.log.level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      genReqId: (req) => (req as LoggedRequest).id ?? requestIdFrom(req),
      customAttributeKeys: { responseTime: 'durationMs', reqId: 'requestId' },
      // Known once the answer is sent: added to the request line only (the start of a
      // request has neither its route nor its caller yet).
      customProps: (req: IncomingMessage, res: ServerResponse) => {
        if (!res.headersSent) return {};
        const r = req as LoggedRequest;
        return { route: r.routeTemplate ?? 'unmatched', callerKind: r.caller?.kind ?? 'none' };
      },
      customSuccessMessage: (req: IncomingMessage, res: ServerResponse) =>
        `${req.method} ${(req as LoggedRequest).routeTemplate ?? req.url?.split('?')[0]} ${res.statusCode}`,
      customErrorMessage: (req: IncomingMessage, res: ServerResponse) =>
        `${req.method} ${(req as LoggedRequest).routeTemplate ?? req.url?.split('?')[0]} ${res.statusCode}`,
      // Request lines carry method, route and status, never the query string or body.
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({
          id: req.id,
          method: req.method,
          path: req.url?.split('?')[0],
        }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      // originalUrl: the middleware layer may have cut the mounted prefix off `url` at this point.
      autoLogging: {
        ignore: (req) =>
          /^\/(health|metrics)(\/|\?|$)/.test((req as { originalUrl?: string }).originalUrl ?? req.url ?? ''),
      },
      customLogLevel: (_req, res, err) =>
        err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
    };
    const stream = config.log.format === 'pretty' ? prettyStream() : undefined;
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: stream ? [options, stream] : options,
          // Every route (the library's default pattern matched none on Fastify: no request lines).
          forRoutes: [{ path: '*path', method: RequestMethod.ALL }],
        }),
      ],
    };
  }
}

/** Nest's own start-up chatter (modules loaded, each route mapped): debug lines, not info. */
const STARTUP_CONTEXTS = new Set([
  'NestFactory',
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestApplication',
]);

/** The app's logger, with Nest's start-up lines moved down to debug (the banner says it started). */
export class QuietStartupLogger implements LoggerService {
  constructor(private readonly inner: LoggerService) {}
  log(message: unknown, ...rest: unknown[]): void {
    const context = rest[rest.length - 1];
    if (typeof context === 'string' && STARTUP_CONTEXTS.has(context)) {
      this.inner.debug?.(message, ...rest);
      return;
    }
    this.inner.log(message, ...rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.inner.error(message, ...rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.inner.warn(message, ...rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.inner.debug?.(message, ...rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.inner.verbose?.(message, ...rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    (this.inner.fatal ?? this.inner.error).call(this.inner, message, ...rest);
  }
}
