// Bearer API-key guard for the admin API (/admin), and the 401 answers every bearer guard gives.
// Keys are compared in constant time; the request gets `adminKeyId` and `caller` (see
// partner-auth/caller.ts), a short non-reversible id of the key used, never the key itself.
// The partner API's guard (keys and end-user tokens) is partner-auth's PartnerCallerGuard.
import { CanActivate, ExecutionContext, Injectable, Optional } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AppConfig } from '../config/app-config.js';
import { Caller, setCaller } from '../partner-auth/caller.js';
import { UserTokenVerifier } from '../partner-auth/user-token.verifier.js';
import { ProblemException } from './problem.js';
import { bearerToken, SecretSet } from './secrets.js';

export type AuthenticatedRequest = FastifyRequest & { adminKeyId?: string; caller?: Caller };

/** 401 with the WWW-Authenticate challenge of RFC 6750. */
export function unauthorized(realm: string, detail: string, invalidToken: boolean): ProblemException {
  return ProblemException.of(
    401,
    detail,
    {},
    {
      'www-authenticate': invalidToken
        ? `Bearer realm="${realm}", error="invalid_token"`
        : `Bearer realm="${realm}"`,
    },
  );
}

export function missingBearer(realm: string): ProblemException {
  return unauthorized(realm, `Missing bearer token: send "Authorization: Bearer <${realm} key>"`, false);
}

@Injectable()
export class AdminApiKeyGuard implements CanActivate {
  private readonly keys: SecretSet;
  constructor(
    config: AppConfig,
    @Optional() private readonly userTokens?: UserTokenVerifier,
  ) {
    this.keys = new SecretSet(config.adminApiKeys, config.keyIdKey);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const presented = bearerToken(request.headers.authorization);
    if (!presented) throw missingBearer('admin');
    const idx = this.keys.match(presented);
    if (idx < 0) {
      // A genuine end-user token is recognised and refused as such: it can never reach /admin.
      if (this.userTokens?.looksLikeToken(presented)) {
        const valid = await this.userTokens.verify(presented).then(
          () => true,
          () => false,
        );
        if (valid) throw ProblemException.of(403, 'End-user tokens cannot use the admin API');
      }
      throw unauthorized('admin', 'Invalid admin key', true);
    }
    request.adminKeyId = this.keys.ids[idx];
    setCaller(request, { kind: 'admin', ref: this.keys.ids[idx] });
    return true;
  }
}
