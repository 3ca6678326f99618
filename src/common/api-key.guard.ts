// Bearer API-key guards for the partner API (/v1) and the admin API (/admin). Keys are compared
// in constant time; the request gets `apiKeyId`, a short non-reversible id of the key used
// (for idempotency scoping, rate limiting and the audit log), never the key itself.
import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AppConfig } from '../config/app-config.js';
import { ProblemException } from './problem.js';
import { bearerToken, keyId, matchSecret } from './secrets.js';

export type AuthenticatedRequest = FastifyRequest & { apiKeyId?: string; adminKeyId?: string };

function check(request: AuthenticatedRequest, accepted: readonly string[], realm: string): string {
  const presented = bearerToken(request.headers.authorization);
  if (!presented) {
    throw ProblemException.of(
      401,
      `Missing bearer token: send "Authorization: Bearer <${realm} key>"`,
      {},
      {
        'www-authenticate': `Bearer realm="${realm}"`,
      },
    );
  }
  const idx = matchSecret(presented, accepted);
  if (idx < 0) {
    throw ProblemException.of(
      401,
      `Invalid ${realm} key`,
      {},
      { 'www-authenticate': `Bearer realm="${realm}", error="invalid_token"` },
    );
  }
  return keyId(accepted[idx]);
}

@Injectable()
export class PartnerApiKeyGuard implements CanActivate {
  constructor(private readonly config: AppConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    request.apiKeyId = check(request, this.config.apiKeys, 'partner');
    return true;
  }
}

@Injectable()
export class AdminApiKeyGuard implements CanActivate {
  constructor(private readonly config: AppConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    request.adminKeyId = check(request, this.config.adminApiKeys, 'admin');
    return true;
  }
}
