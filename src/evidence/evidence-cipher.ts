// Evidence archive: images at rest. Each object is encrypted with AES-256-GCM under its own fresh
// data key; the data key is wrapped by the PII key ring (PiiCipher) and kept in the database, never
// in the store. Rotating the PII keys re-wraps data keys (npm run pii:reencrypt), not images, and
// an object whose wrapped key is gone (erased) can no longer be opened by anyone.
//
// Object layout: "OKEV" | version 1 (one byte) | 12-byte IV | ciphertext | 16-byte GCM tag. The
// store key is the additional authenticated data, so an object cannot be swapped for another.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { PiiCipher } from '../submissions/pii/pii-cipher.js';

const MAGIC = Buffer.from('OKEV', 'ascii');
const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = MAGIC.length + 1 + IV_BYTES;

export class EvidenceIntegrityError extends Error {
  constructor(reason: string) {
    super(`archived object cannot be opened: ${reason}`);
    this.name = 'EvidenceIntegrityError';
  }
}

export interface SealedObject {
  body: Buffer;
  /** The data key, wrapped by the PII key ring (for the `data_key_enc` column). */
  wrappedKey: string;
}

@Injectable()
export class EvidenceCipher {
  constructor(private readonly pii: PiiCipher) {}

  seal(plain: Buffer, storeKey: string): SealedObject {
    const dataKey = randomBytes(32);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', dataKey, iv);
    cipher.setAAD(Buffer.from(storeKey, 'utf8'));
    const body = Buffer.concat([
      MAGIC,
      Buffer.of(VERSION),
      iv,
      cipher.update(plain),
      cipher.final(),
      cipher.getAuthTag(),
    ]);
    const wrappedKey = this.pii.encrypt(dataKey.toString('base64'));
    dataKey.fill(0);
    return { body, wrappedKey };
  }

  open(body: Buffer, storeKey: string, wrappedKey: string): Buffer {
    if (body.length < HEADER_BYTES + TAG_BYTES || !body.subarray(0, MAGIC.length).equals(MAGIC)) {
      throw new EvidenceIntegrityError('not an evidence object');
    }
    if (body[MAGIC.length] !== VERSION)
      throw new EvidenceIntegrityError(`unknown version ${body[MAGIC.length]}`);
    const dataKey = Buffer.from(this.pii.decrypt(wrappedKey), 'base64');
    try {
      const iv = body.subarray(MAGIC.length + 1, HEADER_BYTES);
      const decipher = createDecipheriv('aes-256-gcm', dataKey, iv);
      decipher.setAAD(Buffer.from(storeKey, 'utf8'));
      decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
      return Buffer.concat([
        decipher.update(body.subarray(HEADER_BYTES, body.length - TAG_BYTES)),
        decipher.final(),
      ]);
    } catch {
      throw new EvidenceIntegrityError('authentication failed');
    } finally {
      dataKey.fill(0);
    }
  }
}
