import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

const sha256 = (value: string): Buffer => createHash('sha256').update(value).digest();

/**
 * Constant-time check of presented secrets against a fixed list of accepted ones. Both sides are
 * hashed so lengths never leak, and every candidate is compared (no early exit). The accepted
 * side is hashed once, at construction: guards build one per application.
 */
export class SecretSet {
  private readonly digests: readonly Buffer[];
  /** keyId() of each accepted secret, in order (empty without an id key). */
  readonly ids: readonly string[];

  /** `idKey`: the server's key-id key (config.keyIdKey), for the ids of the accepted secrets. */
  constructor(accepted: readonly string[], idKey?: Buffer) {
    this.digests = accepted.map(sha256);
    this.ids = idKey ? accepted.map((secret) => keyId(secret, idKey)) : [];
  }

  /** Index of the accepted secret that `presented` equals, or -1 (always -1 when absent). */
  match(presented: string | undefined): number {
    const digest = sha256(presented ?? '');
    let found = -1;
    for (let i = 0; i < this.digests.length; i++) {
      const ok = timingSafeEqual(digest, this.digests[i]);
      if (ok && found === -1 && presented !== undefined) found = i;
    }
    return found;
  }

  /**
   * Whether `id` is the key id of a secret still accepted (a session opened with a key that was
   * since removed ends). Ids are HMACs, not secrets: a plain lookup is fine.
   */
  stillAccepts(id: string): boolean {
    return this.ids.indexOf(id) >= 0;
  }
}

/** One-off form of SecretSet#match. */
export function matchSecret(presented: string | undefined, accepted: readonly string[]): number {
  return new SecretSet(accepted).match(presented);
}

/**
 * A short id for a key, safe for logs, audit rows and the idempotency table (never the key
 * itself): an HMAC keyed by a server secret (config.keyIdKey), so someone who reads the database
 * cannot test guesses of a short key against it, as they could against a plain hash.
 */
export function keyId(secret: string, idKey: Buffer): string {
  return createHmac('sha256', idKey).update(secret).digest('hex').slice(0, 12);
}

export function bearerToken(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  const m = /^Bearer\s+(.+)$/i.exec(value.trim());
  return m ? m[1].trim() : undefined;
}
