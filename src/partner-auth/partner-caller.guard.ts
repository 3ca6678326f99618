// Partner-auth room: the guard of the partner API (/v1/verifications...). It accepts a partner key
// (API_KEYS), an identity key (IDENTITY_API_KEYS) or an end-user token, sets `request.caller`, and
// refuses with 403 a caller whose kind the route does not admit (@AllowCallers). Keys are checked
// first, in constant time; only a bearer value that is no key and looks like a JWT is verified.
import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { missingBearer, unauthorized } from './admin-key.guard.js';
import { AuthError } from './auth.errors.js';
import { bearerToken, SecretSet } from '../common/secrets.js';
import { AppConfig } from '../config/app-config.js';
import { ALLOWED_CALLERS, DEFAULT_PARTNER_CALLERS } from './allow-callers.decorator.js';
import { Caller, CallerKind, CallerRequest, setCaller, userCaller } from './caller.js';
import { UserTokenError, UserTokenVerifier } from './user-token.verifier.js';

type PartnerCaller = Caller & { kind: Exclude<CallerKind, 'admin'> };

const REFUSALS: Record<PartnerCaller['kind'], string> = {
  partner: 'This partner key may not use this route: identity data needs a key of IDENTITY_API_KEYS',
  identity: 'Identity keys may not use this route',
  user: "End-user tokens may not use this route (identity data and evidence are for the partner's back end)",
};

@Injectable()
export class PartnerCallerGuard implements CanActivate {
  private readonly keys: SecretSet;
  /** The kind of each accepted key, in the order of `keys`. Identity keys first: a key in both lists is one. */
  private readonly kinds: ('partner' | 'identity')[];
  private readonly idKey: Buffer;

  constructor(
    config: AppConfig,
    private readonly reflector: Reflector,
    private readonly userTokens: UserTokenVerifier,
  ) {
    const identity = config.identityApiKeys;
    const partner = config.apiKeys.filter((k) => !identity.includes(k));
    this.keys = new SecretSet([...identity, ...partner], config.keyIdKey);
    this.idKey = config.keyIdKey;
    this.kinds = [...identity.map(() => 'identity' as const), ...partner.map(() => 'partner' as const)];
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<CallerRequest>();
    const caller = await this.authenticate(request.headers.authorization);
    setCaller(request, caller);
    const allowed =
      this.reflector.getAllAndOverride<CallerKind[] | undefined>(ALLOWED_CALLERS, [
        context.getHandler(),
        context.getClass(),
      ]) ?? DEFAULT_PARTNER_CALLERS;
    if (!allowed.includes(caller.kind)) throw new AuthError('CALLER_NOT_ALLOWED', REFUSALS[caller.kind]);
    return true;
  }

  private async authenticate(header: string | string[] | undefined): Promise<PartnerCaller> {
    const presented = bearerToken(header);
    if (!presented) throw missingBearer('partner');
    const idx = this.keys.match(presented);
    if (idx >= 0) return { kind: this.kinds[idx], ref: this.keys.ids[idx] } as PartnerCaller;
    if (!this.userTokens.looksLikeToken(presented))
      throw unauthorized('partner', 'Invalid partner key', true);
    try {
      const user = await this.userTokens.verify(presented);
      return userCaller(user.userId, user.userIdType, this.idKey);
    } catch (err) {
      if (!(err instanceof UserTokenError)) throw err;
      if (err.kind === 'unavailable') {
        throw new AuthError('USER_TOKENS_UNAVAILABLE', err.message, {}, { 'retry-after': '5' });
      }
      throw unauthorized('partner', `Invalid end-user token: ${err.message}`, true);
    }
  }
}
