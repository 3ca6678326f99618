// Bearer API-key guard for the admin API (/admin), and the 401 answers every bearer guard gives.
// Keys are compared in constant time; the request gets `adminKeyId` and `caller` (see
// partner-auth/caller.ts), a short non-reversible id of the key used, never the key itself.
// The partner API's guard (keys and end-user tokens) is partner-auth's PartnerCallerGuard.
// Without a bearer header, an operator console session cookie is accepted instead (see
// src/common/admin-session-port.ts, bound by the console room): writes then also need the session's CSRF token and a
// same-origin request, and the request names the session (`consoleSessionId`) for audit rows.
import { CanActivate, ExecutionContext, Inject, Injectable, Optional } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AppConfig } from '../config/app-config.js';
import { ADMIN_SESSIONS, AdminSessionPort, CSRF_HEADER } from '../common/admin-session-port.js';
import { bearerToken, SecretSet } from '../common/secrets.js';
import { AuthError } from './auth.errors.js';
import { Caller, setCaller } from './caller.js';
import { UserTokenVerifier } from './user-token.verifier.js';

export type AuthenticatedRequest = FastifyRequest & {
  adminKeyId?: string;
  caller?: Caller;
  /** Set when the request was authenticated by an operator console session rather than a bearer key. */
  consoleSessionId?: string;
};

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** 401 with the WWW-Authenticate challenge of RFC 6750. */
export function unauthorized(realm: string, detail: string, invalidToken: boolean): AuthError {
  return new AuthError(
    'UNAUTHENTICATED',
    detail,
    {},
    {
      'www-authenticate': invalidToken
        ? `Bearer realm="${realm}", error="invalid_token"`
        : `Bearer realm="${realm}"`,
    },
  );
}

export function missingBearer(realm: string): AuthError {
  return unauthorized(realm, `Missing bearer token: send "Authorization: Bearer <${realm} key>"`, false);
}

@Injectable()
export class AdminApiKeyGuard implements CanActivate {
  private readonly keys: SecretSet;
  constructor(
    config: AppConfig,
    @Optional() private readonly userTokens?: UserTokenVerifier,
    @Optional() @Inject(ADMIN_SESSIONS) private readonly sessions?: AdminSessionPort,
  ) {
    this.keys = new SecretSet(config.adminApiKeys, config.keyIdKey);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const presented = bearerToken(request.headers.authorization);
    if (!presented) {
      const token = this.sessions?.enabled ? this.sessions.tokenOf(request) : undefined;
      if (token) return this.viaSession(request, token, this.sessions!);
      throw missingBearer('admin');
    }
    const idx = this.keys.match(presented);
    if (idx < 0) {
      // A genuine end-user token is recognised and refused as such: it can never reach /admin.
      if (this.userTokens?.looksLikeToken(presented)) {
        const valid = await this.userTokens.verify(presented).then(
          () => true,
          () => false,
        );
        if (valid) throw new AuthError('CALLER_NOT_ALLOWED', 'End-user tokens cannot use the admin API');
      }
      throw unauthorized('admin', 'Invalid admin key', true);
    }
    request.adminKeyId = this.keys.ids[idx];
    setCaller(request, { kind: 'admin', ref: this.keys.ids[idx] });
    return true;
  }

  private async viaSession(
    request: AuthenticatedRequest,
    token: string,
    sessions: AdminSessionPort,
  ): Promise<boolean> {
    // Writes are checked before the session is touched: a forged request does not extend it.
    if (!SAFE_METHODS.has(request.method)) {
      if (!sessions.sameOrigin(request)) {
        throw new AuthError(
          'CALLER_NOT_ALLOWED',
          "A console session may only write from the console's own origin",
        );
      }
      if (!sessions.csrfMatches(request, token)) {
        throw new AuthError(
          'CALLER_NOT_ALLOWED',
          `Missing or wrong ${CSRF_HEADER} header: a write with a console session must send its CSRF token`,
        );
      }
    }
    const session = await sessions.touch(token);
    // A key removed from ADMIN_API_KEYS ends the sessions it opened.
    if (!session || !this.keys.stillAccepts(session.adminKeyId)) {
      throw unauthorized('admin', 'The console session has ended or expired: sign in again', true);
    }
    request.adminKeyId = session.adminKeyId;
    request.consoleSessionId = session.id;
    setCaller(request, { kind: 'admin', ref: session.adminKeyId });
    return true;
  }
}
