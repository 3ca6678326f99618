// Personal data at rest: AES-256-GCM with a key id stored in every ciphertext, so keys can be
// rotated (the first key of PII_ENCRYPTION_KEYS encrypts, all of them decrypt), and keyed HMAC
// "blind indexes" that allow exact lookup of a NIK, phone or email without storing it in clear.
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createSecretKey,
  KeyObject,
  randomBytes,
} from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AppConfig, PiiKey } from '../../config/app-config.js';

const VERSION = 'v1';
const IV_BYTES = 12;
/** IVs are cut from one CSPRNG draw of this many at a time (each used once, never reused). */
const IVS_PER_DRAW = 256;

export class PiiDecryptionError extends Error {
  constructor(reason: string) {
    super(`cannot decrypt personal data: ${reason}`);
    this.name = 'PiiDecryptionError';
  }
}

@Injectable()
export class PiiCipher {
  // KeyObjects: the key material is handed to OpenSSL once, not copied in on every call.
  private readonly keys: Map<string, KeyObject>;
  private readonly current: PiiKey;
  private readonly currentKey: KeyObject;
  private readonly blindKey: KeyObject;
  private ivs = Buffer.alloc(0);
  private ivOffset = 0;

  constructor(config: AppConfig) {
    this.keys = new Map(config.pii.keys.map((k) => [k.kid, createSecretKey(k.key)]));
    this.current = config.pii.keys[0];
    this.currentKey = this.keys.get(this.current.kid)!;
    this.blindKey = createSecretKey(config.pii.blindIndexKey);
  }

  get currentKeyId(): string {
    return this.current.kid;
  }

  /** `v1:<kid>:<iv>:<tag>:<ciphertext>` (base64url parts). */
  encrypt(plaintext: string): string {
    const iv = this.nextIv();
    const cipher = createCipheriv('aes-256-gcm', this.currentKey, iv);
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [
      VERSION,
      this.current.kid,
      iv.toString('base64url'),
      tag.toString('base64url'),
      ct.toString('base64url'),
    ].join(':');
  }

  /**
   * A fresh random 96-bit IV: a slice of a larger CSPRNG draw (one draw per 256 IVs instead of one
   * per encryption, like crypto.randomUUID's cache). Each slice is handed out once.
   */
  private nextIv(): Buffer {
    if (this.ivOffset + IV_BYTES > this.ivs.length) {
      this.ivs = randomBytes(IV_BYTES * IVS_PER_DRAW);
      this.ivOffset = 0;
    }
    const iv = this.ivs.subarray(this.ivOffset, this.ivOffset + IV_BYTES);
    this.ivOffset += IV_BYTES;
    return iv;
  }

  decrypt(envelope: string): string {
    const parts = envelope.split(':');
    if (parts.length !== 5 || parts[0] !== VERSION) throw new PiiDecryptionError('unknown format');
    const key = this.keys.get(parts[1]);
    if (!key) throw new PiiDecryptionError(`key "${parts[1]}" is not configured`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(parts[2], 'base64url'));
      decipher.setAuthTag(Buffer.from(parts[3], 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(parts[4], 'base64url')), decipher.final()]).toString(
        'utf8',
      );
    } catch {
      throw new PiiDecryptionError('authentication failed');
    }
  }

  encryptJson(value: unknown): string {
    return this.encrypt(JSON.stringify(value));
  }

  decryptJson<T = unknown>(envelope: string): T {
    return JSON.parse(this.decrypt(envelope)) as T;
  }

  /** The key id a ciphertext was written with (for re-encryption under the newest key). */
  keyIdOf(envelope: string): string | undefined {
    const parts = envelope.split(':');
    return parts.length === 5 ? parts[1] : undefined;
  }

  needsReencryption(envelope: string | null | undefined): boolean {
    return !!envelope && this.keyIdOf(envelope) !== this.current.kid;
  }

  /** Re-encrypts under the current key; returns the input when it already uses it. */
  reencrypt(envelope: string): string {
    return this.needsReencryption(envelope) ? this.encrypt(this.decrypt(envelope)) : envelope;
  }

  /** Keyed, deterministic, one-way: equal inputs (after normalisation) give equal hex digests. */
  blindIndex(kind: 'nik' | 'phone' | 'email', value: string): string {
    return createHmac('sha256', this.blindKey)
      .update(`${kind}:${normalise(kind, value)}`)
      .digest('hex');
  }
}

function normalise(kind: 'nik' | 'phone' | 'email', value: string): string {
  const v = value.trim();
  if (kind === 'email') return v.toLowerCase();
  return v.replace(/\D/g, '');
}
