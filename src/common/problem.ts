// RFC 9457 problem details: the one error shape of this service. Controllers and services throw
// ProblemException (or a domain exception with a registered mapper); ProblemDetailsFilter writes it.
import { HttpException } from '@nestjs/common';

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

type Mapper = (err: any) => ProblemException;
const mappers: { type: new (...args: any[]) => Error; map: Mapper }[] = [];

/** Lets a feature module map its own domain exception to a problem (codes stay in the domain). */
export function registerProblemMapper<E extends Error>(
  type: new (...args: any[]) => E,
  map: (err: E) => ProblemException,
) {
  if (!mappers.some((m) => m.type === type)) mappers.push({ type, map });
}

export function mapDomainError(err: unknown): ProblemException | undefined {
  for (const m of mappers) if (err instanceof m.type) return m.map(err);
  return undefined;
}

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-');
}
