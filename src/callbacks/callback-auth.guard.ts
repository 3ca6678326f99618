// Who may deliver provider callbacks. The provider signs nothing it sends: a static
// credential in a header of the partner's choice and a list of source IPs are all we have.
//
// Order: the IP first (403), then the credential (401). A caller outside the allow-list learns
// nothing about the credential (no oracle to probe it from anywhere on the internet), and the
// cheap check runs first. With TRUST_PROXY, Fastify's `request.ip` is taken from X-Forwarded-For.
import { CanActivate, ExecutionContext, Injectable, Logger } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AppConfig } from '../config/app-config.js';
import { AuthError } from '../partner-auth/auth.errors.js';
import { SecretSet } from '../common/secrets.js';
import { CallbackMetrics } from './callback-metrics.js';
import { IpAllowList } from './ip-allow-list.js';

@Injectable()
export class CallbackAuthGuard implements CanActivate {
  private readonly logger = new Logger(CallbackAuthGuard.name);
  private readonly allowList: IpAllowList;
  private readonly header: string;
  private readonly accepted: SecretSet;

  constructor(
    config: AppConfig,
    private readonly metrics: CallbackMetrics,
  ) {
    this.allowList = new IpAllowList(config.callback.allowedIps);
    this.header = config.callback.authHeader.toLowerCase();
    this.accepted = new SecretSet(config.callback.authValues);
    // Built once per application: this is the "warn once at start".
    if (this.allowList.allowsAll) {
      this.logger.warn(
        'CALLBACK_ALLOWED_IPS is empty: provider callbacks are accepted from any IP (credential only)',
      );
    }
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const ip = request.ip;
    if (!this.allowList.allows(ip)) {
      this.metrics.count('rejected_ip');
      this.logger.warn({ ip, reason: 'ip_not_allowed' }, 'provider callback rejected');
      throw new AuthError('CALLBACK_ADDRESS_NOT_ALLOWED', 'This address is not allowed to deliver callbacks');
    }
    const raw = request.headers[this.header];
    const presented = Array.isArray(raw) ? raw[0] : raw;
    if (this.accepted.match(presented) < 0) {
      this.metrics.count('rejected_auth');
      // Never the presented value: it may be a near-miss of the real secret.
      this.logger.warn(
        { ip, reason: presented === undefined ? 'credential_missing' : 'credential_invalid' },
        'provider callback rejected',
      );
      throw new AuthError('UNAUTHENTICATED', 'Missing or invalid callback credential');
    }
    // Only JSON is a callback: Fastify would hand a text/plain body to the pipe as a string.
    if (!isJsonContentType(request.headers['content-type'])) {
      this.metrics.count('rejected_media_type');
      throw new AuthError('CALLBACK_NOT_JSON', 'A callback body must be application/json');
    }
    return true;
  }
}

/** `application/json` or a `+json` type, with any parameters (charset). */
export function isJsonContentType(value: string | undefined): boolean {
  const type = (value ?? '').split(';')[0].trim().toLowerCase();
  return type === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(type);
}
