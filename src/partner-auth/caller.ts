// Partner-auth room: who is calling. The guards put one `Caller` on every authenticated request
// (`request.caller`, which the request log reads too), so every later step reads the caller kind
// from one place instead of re-parsing the Authorization header.
import type { FastifyRequest } from 'fastify';
import { keyId } from '../common/secrets.js';

/**
 * `partner`: a key of API_KEYS (every verification, no identity data); `identity`: a key of
 * IDENTITY_API_KEYS (a partner key that may also read identity data and evidence); `user`: an
 * end-user token (that user's verifications only); `admin`: a key of ADMIN_API_KEYS.
 */
export type CallerKind = 'partner' | 'identity' | 'user' | 'admin';

interface CallerBase {
  kind: CallerKind;
  /**
   * A short id safe for logs, audit rows, rate limiting and idempotency scoping: the key's
   * keyId(), or for a user a digest of (userIdType, userId). Never the key or the token.
   */
  ref: string;
}
export interface KeyCaller extends CallerBase {
  kind: 'partner' | 'identity' | 'admin';
}
export interface UserCaller extends CallerBase {
  kind: 'user';
  userId: string;
  userIdType: string;
}
export type Caller = KeyCaller | UserCaller;

export type CallerRequest = FastifyRequest & { caller?: Caller };

export function userCaller(userId: string, userIdType: string, idKey: Buffer): UserCaller {
  return { kind: 'user', ref: `u_${keyId(`${userIdType}\u0000${userId}`, idKey)}`, userId, userIdType };
}

/** Sets the caller on the request (the request log reads its kind from there). */
export function setCaller(request: FastifyRequest, caller: Caller): void {
  (request as CallerRequest).caller = caller;
}
