// What the admin guard needs from operator console sessions, as a port the console room binds
// (`{ provide: ADMIN_SESSIONS, useExisting: ConsoleSessionsService }`), so the guard here does not
// import the console. Injected as optional: without the console, only bearer keys are accepted.
import type { FastifyRequest } from 'fastify';

/** The header a write made with a console session must carry its CSRF token in. */
export const CSRF_HEADER = 'x-csrf-token';

export interface AdminSession {
  id: string;
  /** keyId() of the admin key that opened the session. */
  adminKeyId: string;
}

export interface AdminSessionPort {
  /** False when the console is turned off: session cookies are then ignored. */
  readonly enabled: boolean;
  /** The session token the request's cookie carries, if any. */
  tokenOf(request: FastifyRequest): string | undefined;
  /** The live session of the token, its idle expiry extended; undefined when ended or expired. */
  touch(token: string): Promise<AdminSession | undefined>;
  /** The request comes from the service's own origin (Origin, else Referer). */
  sameOrigin(request: FastifyRequest): boolean;
  /** The request carries the session's CSRF token. */
  csrfMatches(request: FastifyRequest, token: string): boolean;
}

export const ADMIN_SESSIONS = Symbol('ADMIN_SESSIONS');
