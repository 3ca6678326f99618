// Console room: operator sessions. An admin key is exchanged once (POST /admin/session) for a
// random session token that lives only in an httpOnly cookie; the database keeps its SHA-256,
// never the token, and never the key. Each use slides the idle expiry, up to an absolute limit.
// Writes from a session need the CSRF token (derived from the session token, handed to the page
// in the sign-in answer and by GET /admin/session) in `x-csrf-token`, and a same-origin `Origin`.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AdminSessionPort, CSRF_HEADER } from '../common/admin-session-port.js';
import { AppConfig } from '../config/app-config.js';
import { Sql } from '../database/sql.js';

export const SESSION_COOKIE = 'console_session';
/** The cookie's name over HTTPS: the `__Host-` prefix pins it to this host and path `/`. */
export const SECURE_SESSION_COOKIE = '__Host-console_session';

export interface ConsoleSession {
  id: string;
  adminKeyId: string;
  createdAt: Date;
  expiresAt: Date;
  absoluteExpiresAt: Date;
}

interface SessionRow {
  id: string;
  admin_key_id: string;
  created_at: Date;
  expires_at: Date;
  absolute_expires_at: Date;
}

const sha256Hex = (v: string) => createHash('sha256').update(v).digest('hex');

/** The CSRF token of a session: an HMAC keyed with the session token (only its holder can make it). */
export function csrfTokenFor(sessionToken: string): string {
  return createHmac('sha256', sessionToken).update('console-csrf').digest('base64url');
}

/** Reads one cookie from a Cookie header (no dependency: the console needs exactly this). */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) {
      const v = part.slice(eq + 1).trim();
      return /^[A-Za-z0-9_-]{20,128}$/.test(v) ? v : undefined;
    }
  }
  return undefined;
}

/**
 * `Secure` in production and on every HTTPS request (behind a TLS proxy, TRUST_PROXY lets the
 * service see it); only plain HTTP outside production, i.e. local development and tests, goes
 * without it: browsers drop a Secure cookie set over plain HTTP, so the console would not work.
 */
export function cookieMustBeSecure(request: FastifyRequest, production: boolean): boolean {
  return production || request.protocol !== 'http';
}

@Injectable()
export class ConsoleSessionsService implements AdminSessionPort {
  readonly enabled: boolean;
  private readonly ttlSeconds: number;
  private readonly maxSeconds: number;
  private readonly production: boolean;

  constructor(
    private readonly sql: Sql,
    config: AppConfig,
  ) {
    this.enabled = config.console.enabled;
    this.ttlSeconds = config.console.sessionTtlSeconds;
    this.maxSeconds = config.console.sessionMaxSeconds;
    this.production = config.nodeEnv === 'production';
  }

  /** Opens a session for the key with this keyId(); answers the token (for the cookie only). */
  async open(adminKeyId: string): Promise<{ token: string; session: ConsoleSession }> {
    const token = randomBytes(32).toString('base64url');
    // Ended and long-expired rows are removed as new ones arrive (the table stays small).
    await this.sql.query(`DELETE FROM console_sessions WHERE expires_at < now() - interval '1 day'`, [], {
      name: 'console_session_prune',
    });
    const [row] = await this.sql.query<SessionRow>(
      `INSERT INTO console_sessions (token_hash, admin_key_id, expires_at, absolute_expires_at)
       VALUES ($1, $2, now() + make_interval(secs => $3), now() + make_interval(secs => $4))
       RETURNING id, admin_key_id, created_at, expires_at, absolute_expires_at`,
      [sha256Hex(token), adminKeyId, this.ttlSeconds, this.maxSeconds],
      { name: 'console_session_open' },
    );
    return { token, session: toSession(row) };
  }

  /**
   * The live session of this token, its idle expiry pushed forward (at most to the absolute
   * limit); undefined when unknown, ended or expired.
   */
  async touch(token: string): Promise<ConsoleSession | undefined> {
    const [row] = await this.sql.query<SessionRow>(
      `UPDATE console_sessions
          SET last_seen_at = now(),
              expires_at = least(absolute_expires_at, now() + make_interval(secs => $2))
        WHERE token_hash = $1 AND ended_at IS NULL AND expires_at > now()
        RETURNING id, admin_key_id, created_at, expires_at, absolute_expires_at`,
      [sha256Hex(token), this.ttlSeconds],
      { name: 'console_session_touch' },
    );
    return row ? toSession(row) : undefined;
  }

  /** Ends the session of this token (sign-out). Idempotent. */
  async end(token: string): Promise<void> {
    await this.sql.query(
      `UPDATE console_sessions SET ended_at = now(), expires_at = least(expires_at, now())
        WHERE token_hash = $1 AND ended_at IS NULL`,
      [sha256Hex(token)],
      { name: 'console_session_end' },
    );
  }

  /** The session token the request's cookie carries, if any. */
  tokenOf(request: FastifyRequest): string | undefined {
    const header = request.headers.cookie;
    return cookieValue(header, SECURE_SESSION_COOKIE) ?? cookieValue(header, SESSION_COOKIE);
  }

  setCookie(request: FastifyRequest, reply: FastifyReply, token: string, maxAgeSeconds: number): void {
    const secure = cookieMustBeSecure(request, this.production);
    const name = secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE;
    const attrs = [`Path=/`, `HttpOnly`, `SameSite=Strict`, `Max-Age=${Math.max(0, maxAgeSeconds)}`];
    if (secure) attrs.push('Secure');
    reply.header('set-cookie', `${name}=${token}; ${attrs.join('; ')}`);
  }

  clearCookie(request: FastifyRequest, reply: FastifyReply): void {
    const secure = cookieMustBeSecure(request, this.production);
    const name = secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE;
    reply.header(
      'set-cookie',
      `${name}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${secure ? '; Secure' : ''}`,
    );
  }

  /** True when the request carries this session's CSRF token. */
  csrfMatches(request: FastifyRequest, token: string): boolean {
    const sent = request.headers[CSRF_HEADER];
    const value = Array.isArray(sent) ? sent[0] : sent;
    if (!value) return false;
    const a = Buffer.from(sha256Hex(value));
    const b = Buffer.from(sha256Hex(csrfTokenFor(token)));
    return timingSafeEqual(a, b);
  }

  /**
   * True when the request's Origin (or, without one, its Referer) is this service's own origin:
   * the same host (and port) as the request's, over the request's scheme or https (a TLS proxy in
   * front of a service that does not trust it still forwards the browser's https origin).
   * Browsers send Origin on every cross-origin request and on same-origin writes.
   */
  sameOrigin(request: FastifyRequest): boolean {
    const claimed = request.headers.origin ?? request.headers.referer;
    if (!claimed || claimed === 'null') return false;
    let url: URL;
    try {
      url = new URL(claimed);
    } catch {
      return false;
    }
    const scheme = url.protocol.slice(0, -1);
    if (scheme !== request.protocol && scheme !== 'https') return false;
    return url.host.toLowerCase() === request.host.toLowerCase();
  }
}

function toSession(r: SessionRow): ConsoleSession {
  return {
    id: r.id,
    adminKeyId: r.admin_key_id,
    createdAt: new Date(r.created_at),
    expiresAt: new Date(r.expires_at),
    absoluteExpiresAt: new Date(r.absolute_expires_at),
  };
}
