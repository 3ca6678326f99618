// JSON-line logs through pino (nestjs-pino), a request id on every line, and a redaction list
// enforced in the logger itself so no call site has to remember it.
import { randomUUID } from 'node:crypto';
import { IncomingMessage } from 'node:http';
import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { AppConfig } from '../config/app-config.js';

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
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            level: config.log.level,
            redact: { paths: REDACT_PATHS, censor: '[redacted]' },
            transport:
              config.log.format === 'pretty'
                ? { target: 'pino-pretty', options: { singleLine: true } }
                : undefined,
            genReqId: (req) => (req as IncomingMessage & { id?: string }).id ?? requestIdFrom(req),
            customProps: () => ({}),
            // Request lines carry method, route and status, never the query string or body.
            serializers: {
              req: (req: { id: string; method: string; url: string }) => ({
                id: req.id,
                method: req.method,
                path: req.url?.split('?')[0],
              }),
              res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
            },
            autoLogging: { ignore: (req) => /^\/(health|metrics)/.test(req.url ?? '') },
            customLogLevel: (_req, res, err) =>
              err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
          },
        }),
      ],
    };
  }
}
