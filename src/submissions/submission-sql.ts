// SQL fragments of the submission store stated once: which rows are pending and when a pending
// row expires. Used by the store, its poll bookkeeping and the admin statistics.
import { PENDING_STATUSES } from './submission-status.js';

/** `('INITIATED', 'IN_PROGRESS', ...)`, for `status IN ${PENDING_SQL}`. */
export const PENDING_SQL = `(${PENDING_STATUSES.map((s) => `'${s}'`).join(', ')})`;

/**
 * When a pending submission expires: its SDK token's expiry, or SUBMISSION_EXPIRE_AFTER_HOURS
 * after creation, whichever comes first (LEAST ignores a missing token expiry). `hours` is the
 * SQL expression (usually a bind parameter) holding SUBMISSION_EXPIRE_AFTER_HOURS.
 */
export function expiryDeadlineSql(hours: string): string {
  return `LEAST(sdk_expires_at, created_at + make_interval(hours => ${hours}))`;
}
