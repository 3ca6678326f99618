// Partner-auth room: which user a partner API call is about, decided from the caller. Pure: the
// flows controller applies the answer. A key names any user (in the body or query); an end-user
// token is that user and no other: a different userId (or userIdType) is refused with 403, and
// another user's verification reads as absent (404) so ids cannot be probed.
import type { Caller } from './caller.js';

export interface UserRef {
  userId: string;
  userIdType: string;
}

export type ScopeDecision =
  | { outcome: 'scoped'; user: UserRef }
  /** A key caller left the user out: a 400 naming the field. */
  | { outcome: 'missing'; field: 'userId' }
  /** An end-user token named another user: a 403 naming the field. */
  | { outcome: 'forbidden'; field: 'userId' | 'userIdType' };

/** The user a POST or a list is about. `defaultUserIdType` applies to key callers. */
export function scopeToUser(
  caller: Caller,
  named: { userId?: string; userIdType?: string },
  defaultUserIdType: string,
): ScopeDecision {
  if (caller.kind !== 'user') {
    if (named.userId === undefined) return { outcome: 'missing', field: 'userId' };
    return {
      outcome: 'scoped',
      user: { userId: named.userId, userIdType: named.userIdType ?? defaultUserIdType },
    };
  }
  if (named.userId !== undefined && named.userId !== caller.userId) {
    return { outcome: 'forbidden', field: 'userId' };
  }
  if (named.userIdType !== undefined && named.userIdType !== caller.userIdType) {
    return { outcome: 'forbidden', field: 'userIdType' };
  }
  return { outcome: 'scoped', user: { userId: caller.userId, userIdType: caller.userIdType } };
}

/** Whether the caller may see this verification at all (false answers 404, never 403). */
export function mayRead(caller: Caller, verification: UserRef): boolean {
  return (
    caller.kind !== 'user' ||
    (verification.userId === caller.userId && verification.userIdType === caller.userIdType)
  );
}
