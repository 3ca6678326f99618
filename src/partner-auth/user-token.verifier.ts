// Partner-auth room: verifies end-user tokens (JWTs from the partner's own login) with `jose`.
// Promises: only the configured algorithms (never `none`), the configured issuer and audience,
// `exp` required and `exp`/`nbf` checked with a small clock skew; keys from a JWKS URL (cached,
// re-fetched on an unknown kid at most once per cooldown, so a rotated key is picked up) or one
// HS256 secret. A refusal says which check failed, never what the token held.
import { Injectable, Logger } from '@nestjs/common';
import { createRemoteJWKSet, errors as joseErrors, JWTPayload, jwtVerify, JWTVerifyOptions } from 'jose';
import { AppConfig } from '../config/app-config.js';
import type { UserJwtConfig } from '../config/user-jwt.config.js';

/** Asymmetric algorithms accepted from a JWKS (`Ed25519` is the newer name of EdDSA over that curve). */
export const JWKS_ALGORITHMS = ['RS256', 'ES256', 'EdDSA', 'Ed25519'];
export const SECRET_ALGORITHMS = ['HS256'];
const JWKS_TIMEOUT_MS = 5000;

/** Same shape as the API's userId: it travels to the provider in an HTTP header. */
const USER_ID = /^[\x21-\x7e](?:[\x20-\x7e]{0,126}[\x21-\x7e])?$/;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/;

export interface VerifiedUser {
  userId: string;
  userIdType: string;
}

/** Why a token was refused: `invalid` is the caller's fault (401), `unavailable` ours or the key server's (503). */
export class UserTokenError extends Error {
  constructor(
    readonly kind: 'invalid' | 'unavailable',
    message: string,
  ) {
    super(message);
    this.name = 'UserTokenError';
  }
}

@Injectable()
export class UserTokenVerifier {
  private readonly logger = new Logger(UserTokenVerifier.name);
  private readonly settings: UserJwtConfig | null;
  /** jwtVerify bound to the key source and the checks; null when end-user tokens are off. */
  private readonly check: ((token: string) => Promise<{ payload: JWTPayload }>) | null = null;

  constructor(config: AppConfig) {
    this.settings = config.userJwt;
    const s = this.settings;
    if (!s) return;
    const options: JWTVerifyOptions = {
      issuer: s.issuer,
      audience: s.audience,
      algorithms: s.jwksUrl ? JWKS_ALGORITHMS : SECRET_ALGORITHMS,
      clockTolerance: s.clockSkewSeconds,
      requiredClaims: ['exp'],
    };
    if (s.jwksUrl) {
      const jwks = createRemoteJWKSet(new URL(s.jwksUrl), {
        cacheMaxAge: s.jwksCacheSeconds * 1000,
        cooldownDuration: s.jwksCooldownSeconds * 1000,
        timeoutDuration: JWKS_TIMEOUT_MS,
      });
      this.check = (token) => jwtVerify(token, jwks, options);
    } else {
      const secret = new Uint8Array(s.secret!);
      this.check = (token) => jwtVerify(token, secret, options);
    }
  }

  /** True when this deployment accepts end-user tokens at all. */
  get enabled(): boolean {
    return this.settings !== null;
  }

  /** A bearer value shaped like a compact JWS (three base64url parts): worth verifying as a token. */
  looksLikeToken(value: string): boolean {
    return this.enabled && COMPACT_JWS.test(value);
  }

  async verify(token: string): Promise<VerifiedUser> {
    const s = this.settings;
    if (!s || !this.check) throw new UserTokenError('invalid', 'end-user tokens are not accepted');
    let payload: JWTPayload;
    try {
      payload = (await this.check(token)).payload;
    } catch (err) {
      throw this.refusal(err);
    }
    const raw = payload[s.userIdClaim];
    const userId = typeof raw === 'string' ? raw : Number.isSafeInteger(raw) ? String(raw) : undefined;
    if (userId === undefined || !USER_ID.test(userId)) {
      throw new UserTokenError(
        'invalid',
        `token's "${s.userIdClaim}" claim is not a usable user id (1 to 128 printable ASCII characters)`,
      );
    }
    return { userId, userIdType: s.userIdType };
  }

  private refusal(err: unknown): UserTokenError {
    const code = err instanceof joseErrors.JOSEError ? err.code : undefined;
    switch (code) {
      case 'ERR_JWT_EXPIRED':
        return new UserTokenError('invalid', 'token has expired');
      case 'ERR_JWT_CLAIM_VALIDATION_FAILED': {
        const claim = (err as joseErrors.JWTClaimValidationFailed).claim;
        const why: Record<string, string> = {
          iss: 'token issuer is not accepted',
          aud: 'token audience is not accepted',
          nbf: 'token is not valid yet (nbf)',
          exp: 'token has no valid expiry (exp)',
          iat: 'token issue time (iat) is invalid',
        };
        return new UserTokenError('invalid', why[claim] ?? `token claim "${claim}" is invalid`);
      }
      case 'ERR_JOSE_ALG_NOT_ALLOWED':
      case 'ERR_JOSE_NOT_SUPPORTED':
        return new UserTokenError('invalid', 'token algorithm is not accepted');
      case 'ERR_JWKS_NO_MATCHING_KEY':
      case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
        return new UserTokenError('invalid', 'token key id (kid) is not known');
      case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
        return new UserTokenError('invalid', 'token signature is invalid');
      case 'ERR_JWS_INVALID':
      case 'ERR_JWT_INVALID':
      case 'ERR_JWK_INVALID':
        return new UserTokenError('invalid', 'token is malformed');
      default:
        // The key server did not answer, answered an error or something that is not a key set.
        this.logger.warn(
          { error: err instanceof Error ? `${err.name}: ${code ?? err.message}` : String(err) },
          'end-user token keys could not be loaded',
        );
        return new UserTokenError('unavailable', 'end-user token keys are unavailable; retry later');
    }
  }
}
