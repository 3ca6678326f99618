// Bearer API-key guards for the partner API (/v1) and the admin API (/admin). Keys are compared
// in constant time; the request gets `apiKeyId`, a short non-reversible id of the key used
// (for idempotency scoping, rate limiting and the audit log), never the key itself.
import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AppConfig } from '../config/app-config.js';
import { ProblemException } from './problem.js';
import { bearerToken, SecretSet } from './secrets.js';

export type AuthenticatedRequest = FastifyRequest & { apiKeyId?: string; adminKeyId?: string };

function check(request: AuthenticatedRequest, accepted: SecretSet, realm: string): string {
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
  const idx = accepted.match(presented);
  if (idx < 0) {
    throw ProblemException.of(
      401,
      `Invalid ${realm} key`,
      {},
      { 'www-authenticate': `Bearer realm="${realm}", error="invalid_token"` },
    );
  }
  return accepted.ids[idx];
}

@Injectable()
export class PartnerApiKeyGuard implements CanActivate {
  private readonly keys: SecretSet;
  constructor(config: AppConfig) {
    this.keys = new SecretSet(config.apiKeys);
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    request.apiKeyId = check(request, this.keys, 'partner');
    return true;
  }
}

@Injectable()
export class AdminApiKeyGuard implements CanActivate {
  private readonly keys: SecretSet;
  constructor(config: AppConfig) {
    this.keys = new SecretSet(config.adminApiKeys);
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    request.adminKeyId = check(request, this.keys, 'admin');
    return true;
  }
}
