// JSON-line logs through pino, a request id on every line written while a request is handled, and
// a redaction list enforced in the logger itself so no call site has to remember it. The request
// lines themselves come from Fastify's hooks (request-log.hook.ts). Nest's Logger calls reach pino
// through nestjs-pino's adapter. LOG_FORMAT=pretty (the default on a terminal outside production)
// prints them for people.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import { DynamicModule, Global, LoggerService, Module } from '@nestjs/common';
import { Logger, Params, PinoLogger } from 'nestjs-pino';
import { pino, type DestinationStream, type Logger as Pino } from 'pino';
import { AppConfig } from '../config/app-config.js';
import { RequestLogHook, requestLogger, ROOT_LOGGER } from './request-log.hook.js';

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

const SENSITIVE = new Set([...PII_AND_SECRET_KEYS, 'set-cookie']);
export const CENSOR = '[redacted]';
/** Deeper than any line the service writes: a subtree past it is dropped rather than checked. */
const MAX_DEPTH = 6;

/**
 * A log line's fields with every sensitive key's value replaced, at any depth: one walk over
 * the fields, copying only what changes (the caller's objects are never modified). Instances
 * other than plain objects and arrays (errors, dates, buffers) are left to pino's serializers.
 * pino's own `redact` does this with a path list, but it evaluates every path on every line:
 * with these keys at five depths that cost more than the rest of a callback's logging.
 */
export function redacted<T>(value: T, depth = 0): T {
  if (value === null || typeof value !== 'object') return value;
  if (depth > MAX_DEPTH) return '[too deep]' as T;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const r = redacted(value[i], depth + 1);
      if (r !== value[i]) (out ??= value.slice())[i] = r;
    }
    return (out ?? value) as T;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  let out: Record<string, unknown> | undefined;
  for (const [key, v] of Object.entries(value)) {
    const r = SENSITIVE.has(key) && v !== undefined ? CENSOR : redacted(v, depth + 1);
    if (r !== v) (out ??= { ...(value as Record<string, unknown>) })[key] = r;
  }
  return (out ?? value) as T;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdFrom(req: IncomingMessage): string {
  const header = req.headers['x-request-id'];
  const value = Array.isArray(header) ? header[0] : header;
  return value && REQUEST_ID.test(value) ? value : randomUUID();
}

/**
 * nestjs-pino's logger, reading the logger of the request being handled from our own request
 * context rather than from its HTTP middleware (which is not mounted: see request-log.hook.ts).
 */
class RequestScopedPinoLogger extends PinoLogger {
  constructor(
    params: Params,
    private readonly root: Pino,
  ) {
    super(params);
  }
  override get logger(): Pino {
    return requestLogger() ?? this.root;
  }
}

@Global()
@Module({})
export class LoggingModule {
  static forRoot(config: AppConfig): DynamicModule {
    const stream = config.log.format === 'pretty' ? prettyStream() : undefined;
    const options = {
      level: config.log.level,
      // Every line's fields (a request's child logger binds only its id, method and path).
      formatters: { log: redacted<Record<string, unknown>> },
    };
    const root = stream ? pino(options, stream) : pino(options);
    // nestjs-pino builds its own root from these (a child of ours) for logs it makes itself.
    const params: Params = { pinoHttp: { logger: root, wrapSerializers: false } };
    const logger = new Logger(new RequestScopedPinoLogger(params, root), params);
    return {
      module: LoggingModule,
      providers: [
        { provide: ROOT_LOGGER, useValue: root },
        { provide: Logger, useValue: logger },
        RequestLogHook,
      ],
      exports: [Logger],
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
