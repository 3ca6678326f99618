import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DATABASE_RETRY_AFTER_SECONDS, isDatabaseUnavailable, isUnstorableText } from './database-errors.js';
import { FeatureError, problem, ProblemDetails, ProblemException } from './problem.js';
import { validationProblem } from './validation.js';

interface ProblemRow {
  status: number;
  /** The problem `type` (after the base URL); by default the status's title as a slug. */
  type?: string;
  title?: string;
}

/**
 * The one table from an error code to its HTTP status and problem type. Features throw their own
 * FeatureError subclasses with these codes (flows: FlowsError, identity: IdentityError...).
 */
export const PROBLEMS = {
  // common
  VALIDATION_FAILED: { status: 400, type: 'validation-error', title: 'Validation failed' },
  DATABASE_UNAVAILABLE: { status: 503, type: 'database-unavailable' },
  // partner-auth (callers) and the callback's credential
  UNAUTHENTICATED: { status: 401 },
  CALLER_NOT_ALLOWED: { status: 403 },
  CALLBACK_ADDRESS_NOT_ALLOWED: { status: 403 },
  CALLBACK_NOT_JSON: { status: 415 },
  USER_TOKENS_UNAVAILABLE: { status: 503 },
  SIGN_IN_THROTTLED: { status: 429 },
  // flows
  VERIFICATION_NOT_FOUND: { status: 404 },
  NOT_THE_TOKEN_USER: { status: 403 },
  IDEMPOTENCY_KEY_REUSED: { status: 409, type: 'idempotency-key-reused' },
  IDEMPOTENCY_IN_PROGRESS: { status: 409, type: 'idempotency-in-progress' },
  // identity
  IDENTITY_ERASED: { status: 410 },
  // admin
  SUBMISSION_NOT_FOUND: { status: 404 },
  // webhooks
  WEBHOOK_ENDPOINT_NOT_FOUND: { status: 404 },
  WEBHOOK_DELIVERY_NOT_FOUND: { status: 404 },
  WEBHOOK_DELIVERY_IN_FLIGHT: { status: 409 },
  // evidence
  EVIDENCE_VERIFICATION_NOT_FOUND: { status: 404 },
  EVIDENCE_ERASED: { status: 410, type: 'evidence-erased' },
  EVIDENCE_NOT_ARCHIVED: { status: 404, type: 'evidence-not-archived' },
  EVIDENCE_MISSING: { status: 404, type: 'evidence-missing' },
  EVIDENCE_UNREADABLE: { status: 404, type: 'evidence-unreadable' },
  EVIDENCE_STORE_UNAVAILABLE: { status: 503 },
  // console
  CONSOLE_DISABLED: { status: 404 },
  CONSOLE_FILE_NOT_FOUND: { status: 404 },
  CONSOLE_NOT_BUILT: { status: 503 },
  // onekyc (the provider)
  PROVIDER_REFUSED: { status: 502, type: 'provider-refused' },
  PROVIDER_UNAVAILABLE: { status: 503, type: 'provider-unavailable' },
} as const satisfies Record<string, ProblemRow>;

export type ProblemCode = keyof typeof PROBLEMS;

/** The problem body for a code of the table. */
export function problemFor(code: ProblemCode, detail: string, extensions: Record<string, unknown> = {}) {
  const row: ProblemRow = PROBLEMS[code];
  return problem(row.status, detail, { ...extensions, type: row.type, title: row.title });
}

/** The single exception filter: every error leaves as application/problem+json, no stack traces. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger(ProblemDetailsFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const reply = ctx.getResponse<FastifyReply>();
    const request = ctx.getRequest<FastifyRequest>();
    const { body, headers } = this.toProblem(exception, request);
    if (body.status >= 500) {
      this.logger.error(
        {
          err:
            exception instanceof Error
              ? { type: exception.name, message: exception.message, stack: exception.stack }
              : exception,
          status: body.status,
        },
        'request failed',
      );
    }
    if (reply.sent) return;
    for (const [k, v] of Object.entries(headers)) reply.header(k, v);
    reply
      .status(body.status)
      .header('content-type', 'application/problem+json; charset=utf-8')
      .send(JSON.stringify(body));
  }

  private toProblem(
    exception: unknown,
    request: FastifyRequest,
  ): { body: ProblemDetails; headers: Record<string, string> } {
    if (exception instanceof ProblemException) return { body: exception.problem, headers: exception.headers };
    if (exception instanceof FeatureError) {
      return {
        body: problemFor(exception.problemCode, exception.problemDetail(), exception.problemExtensions()),
        headers: exception.problemHeaders(),
      };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const res = exception.getResponse();
      let detail = exception.message;
      if (status === 404 && /^Cannot /.test(detail))
        detail = `No route ${request.method} ${request.url.split('?')[0]}`;
      if (typeof res === 'object' && res && 'message' in res) {
        const m = (res as { message: unknown }).message;
        if (Array.isArray(m)) detail = m.join('; ');
        else if (typeof m === 'string') detail = m;
      }
      const headers: Record<string, string> = {};
      if (status === 429) headers['retry-after'] = '60';
      return { body: problem(status, detail), headers };
    }
    // Errors raised by Fastify itself before a handler runs (body parsing, limits, media type).
    const err = exception as { statusCode?: number; code?: string; message?: string };
    if (err && typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
      return { body: problem(err.statusCode, fastifyDetail(err)), headers: {} };
    }
    if (isUnstorableText(exception)) {
      const refused = validationProblem(
        [],
        'A text value contains a NUL character (U+0000), which cannot be stored',
      );
      return { body: refused.problem, headers: {} };
    }
    // The database is stopped, restarting or unreachable: a temporary state, the caller may retry.
    if (isDatabaseUnavailable(exception)) {
      return {
        body: problemFor(
          'DATABASE_UNAVAILABLE',
          'The service cannot reach its database right now; try again shortly.',
        ),
        headers: { 'retry-after': String(DATABASE_RETRY_AFTER_SECONDS) },
      };
    }
    return {
      body: problem(500, 'An unexpected error occurred; it has been logged with the request id.'),
      headers: {},
    };
  }
}

function fastifyDetail(err: { code?: string; message?: string; statusCode?: number }): string {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'Request body is too large';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'Unsupported content type; send application/json';
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'Body must be a JSON object, got an empty body';
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return 'Content-Length does not match the body';
    default:
      if (err.statusCode === 400 && /JSON|Unexpected|token/i.test(err.message ?? ''))
        return 'Body is not valid JSON';
      return (err.message ?? 'Bad request').slice(0, 200);
  }
}
