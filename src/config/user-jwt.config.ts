// Config room: end-user tokens (JWTs from the partner's own login), turned from the validated
// environment into one typed block, or null when the deployment accepts no end-user tokens.
// Checks that span several variables live here, reported with the rest of buildConfig's problems.
import type { EnvironmentVariables } from './environment.js';

export interface UserJwtConfig {
  /** JWKS endpoint of the partner's identity provider (asymmetric keys, rotated by kid). */
  jwksUrl: string | null;
  /** Shared HS256 secret (at least 32 bytes), when no JWKS URL is used. */
  secret: Buffer | null;
  issuer: string;
  audience: string;
  /** Claim holding the partner's user id (top-level claim name). */
  userIdClaim: string;
  /** The userIdType every end user's verifications get. */
  userIdType: string;
  clockSkewSeconds: number;
  /** How long a fetched key set is trusted before it is fetched again. */
  jwksCacheSeconds: number;
  /** Least time between two fetches (an unknown kid triggers one at most this often). */
  jwksCooldownSeconds: number;
}

export const USER_JWT_MIN_SECRET_BYTES = 32;

export function buildUserJwtConfig(
  e: EnvironmentVariables,
  problems: { variable: string; message: string }[],
  production: boolean,
): UserJwtConfig | null {
  const jwksUrl = e.USER_JWT_JWKS_URL ?? null;
  const secret = e.USER_JWT_SECRET !== undefined ? Buffer.from(e.USER_JWT_SECRET, 'utf8') : null;
  if (!jwksUrl && !secret) {
    for (const name of ['USER_JWT_ISSUER', 'USER_JWT_AUDIENCE'] as const) {
      if (e[name] !== undefined) {
        problems.push({
          variable: name,
          message: 'set without USER_JWT_JWKS_URL or USER_JWT_SECRET: end-user tokens would stay off',
        });
      }
    }
    return null;
  }
  const before = problems.length;
  if (jwksUrl && secret) {
    problems.push({
      variable: 'USER_JWT_SECRET',
      message: 'set only one of USER_JWT_JWKS_URL and USER_JWT_SECRET',
    });
  }
  if (secret && secret.length < USER_JWT_MIN_SECRET_BYTES) {
    problems.push({
      variable: 'USER_JWT_SECRET',
      message: `must be at least ${USER_JWT_MIN_SECRET_BYTES} bytes (HS256)`,
    });
  }
  if (jwksUrl && production && !isHttpsOrLoopback(jwksUrl)) {
    // Keys fetched over plain HTTP could be swapped on the way: anyone could then mint tokens.
    problems.push({ variable: 'USER_JWT_JWKS_URL', message: 'must be https with NODE_ENV=production' });
  }
  if (e.USER_JWT_ISSUER === undefined) {
    problems.push({
      variable: 'USER_JWT_ISSUER',
      message: 'required with USER_JWT_JWKS_URL or USER_JWT_SECRET',
    });
  }
  if (e.USER_JWT_AUDIENCE === undefined) {
    problems.push({
      variable: 'USER_JWT_AUDIENCE',
      message: 'required with USER_JWT_JWKS_URL or USER_JWT_SECRET',
    });
  }
  if (problems.length > before) return null;
  return {
    jwksUrl,
    secret: jwksUrl ? null : secret,
    issuer: e.USER_JWT_ISSUER!,
    audience: e.USER_JWT_AUDIENCE!,
    userIdClaim: e.USER_JWT_USER_ID_CLAIM ?? 'sub',
    userIdType: e.USER_JWT_USER_ID_TYPE ?? 'USER_ID',
    clockSkewSeconds: e.USER_JWT_CLOCK_SKEW_SECONDS ?? 30,
    jwksCacheSeconds: e.USER_JWT_JWKS_CACHE_SECONDS ?? 600,
    jwksCooldownSeconds: e.USER_JWT_JWKS_COOLDOWN_SECONDS ?? 30,
  };
}

function isHttpsOrLoopback(url: string): boolean {
  const u = new URL(url);
  return u.protocol === 'https:' || ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname);
}
