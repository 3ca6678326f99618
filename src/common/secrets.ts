import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Constant-time check of a presented secret against a list of accepted ones. Both sides are
 * hashed first so lengths never leak, and every candidate is compared (no early exit).
 */
export function matchSecret(presented: string | undefined, accepted: readonly string[]): number {
  const digest = createHash('sha256')
    .update(presented ?? '')
    .digest();
  let found = -1;
  for (let i = 0; i < accepted.length; i++) {
    const ok = timingSafeEqual(digest, createHash('sha256').update(accepted[i]).digest());
    if (ok && found === -1 && presented !== undefined) found = i;
  }
  return found;
}

/** A short, non-reversible id for a key, safe for logs and audit rows (never the key itself). */
export function keyId(secret: string): string {
  return createHash('sha256').update(secret).digest('hex').slice(0, 12);
}

export function bearerToken(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  const m = /^Bearer\s+(.+)$/i.exec(value.trim());
  return m ? m[1].trim() : undefined;
}
