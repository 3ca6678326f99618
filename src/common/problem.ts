// RFC 9457 problem details: the one error shape of this service. Features throw their own typed
// errors (FeatureError subclasses with a string code); ProblemDetailsFilter turns the code into
// the HTTP status and problem type through its one table (PROBLEMS) and writes the answer.
// ProblemException is the already-built answer (validationProblem(), the bearer guards' 401s).
import { HttpException } from '@nestjs/common';
import type { ProblemCode } from './problem-details.filter.js';

export interface ProblemFieldError {
  field: string;
  message: string;
}

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: ProblemFieldError[];
  [extension: string]: unknown;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  410: 'Gone',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export const PROBLEM_TYPE_BASE = 'https://github.com/onekyc-orchestrator/problems/';

export function titleFor(status: number): string {
  return TITLES[status] ?? (status >= 500 ? 'Server Error' : 'Client Error');
}

export function problem(
  status: number,
  detail: string,
  extra: { type?: string; title?: string; errors?: ProblemFieldError[]; [k: string]: unknown } = {},
): ProblemDetails {
  const { type, title, errors, ...extensions } = extra;
  return {
    type: PROBLEM_TYPE_BASE + (type ?? slug(titleFor(status))),
    title: title ?? titleFor(status),
    status,
    detail,
    ...(errors && errors.length ? { errors } : {}),
    ...extensions,
  };
}

/** An HTTP error with a problem+json body; optional response headers (e.g. Retry-After). */
export class ProblemException extends HttpException {
  constructor(
    readonly problem: ProblemDetails,
    readonly headers: Record<string, string> = {},
  ) {
    super(problem, problem.status);
  }

  static of(
    status: number,
    detail: string,
    extra?: Parameters<typeof problem>[2],
    headers?: Record<string, string>,
  ): ProblemException {
    return new ProblemException(problem(status, detail, extra), headers);
  }
}

/**
 * A feature's failure as its callers should see it: a string code (a row of the filter's PROBLEMS
 * table, which gives the status and problem type), the detail for the caller, extension fields
 * for the body, response headers. Each feature declares its own subclass with its own codes.
 */
export abstract class FeatureError<C extends ProblemCode = ProblemCode> extends Error {
  abstract readonly problemCode: C;

  /** The problem's `detail`: by default the message. */
  problemDetail(): string {
    return this.message;
  }

  /** Fields added to the problem body beside type, title, status and detail. */
  problemExtensions(): Record<string, unknown> {
    return {};
  }

  /** Response headers (e.g. Retry-After). */
  problemHeaders(): Record<string, string> {
    return {};
  }
}

/** The usual shape of a feature's error: code, detail, extensions and headers given at the throw. */
export abstract class SimpleFeatureError<C extends ProblemCode> extends FeatureError<C> {
  constructor(
    readonly problemCode: C,
    detail: string,
    private readonly extensions: Record<string, unknown> = {},
    private readonly headers: Record<string, string> = {},
  ) {
    super(detail);
    this.name = new.target.name;
  }

  override problemExtensions(): Record<string, unknown> {
    return this.extensions;
  }

  override problemHeaders(): Record<string, string> {
    return this.headers;
  }
}

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-');
}
