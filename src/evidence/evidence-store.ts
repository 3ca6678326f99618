// Evidence archive: where the encrypted objects live, behind one small interface. `fs` (a folder,
// the default) and `s3` (any S3-compatible service). Stores only ever see ciphertext.
export interface EvidenceStore {
  /** `fs` or `s3`: for logs and metrics. */
  readonly kind: 'fs' | 's3';
  /** Writes the whole object or nothing (a crash never leaves a partial object under `key`). */
  put(key: string, body: Buffer): Promise<void>;
  /** The object, or null when there is none under `key`. */
  get(key: string): Promise<Buffer | null>;
  /** Deletes the object; no error when it is already gone. */
  delete(key: string): Promise<void>;
  /** Start-up work (create the folder, clear leftovers of killed writers). */
  init?(): Promise<void>;
  close?(): void;
}

export const EVIDENCE_STORE = Symbol('EVIDENCE_STORE');

/** Keys are `<submission id>/<kind>.<random>.okev`: no personal data, never reused. */
export function isSafeStoreKey(key: string): boolean {
  return /^[0-9a-f-]{36}\/[A-Z_]{3,20}\.[0-9a-f-]{36}\.okev$/.test(key);
}
