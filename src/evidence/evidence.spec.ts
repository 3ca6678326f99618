// Pure logic of the evidence archive: magic bytes, URL expiry, retry schedule, object encryption.
import { randomBytes } from 'node:crypto';
import { buildConfig } from '../config/app-config.js';
import { syntheticImage } from '../sandbox/sandbox-images.js';
import { PiiCipher } from '../submissions/pii/pii-cipher.js';
import { EvidenceCipher, EvidenceIntegrityError } from './evidence-cipher.js';
import { isSafeStoreKey } from './evidence-store.js';
import { sniffImage } from './image-sniff.js';
import { DEFAULT_URL_LIFETIME_MS, retryDelayMs, urlExpiry } from './image-url.js';

const config = (keys: string) =>
  buildConfig(
    { NODE_ENV: 'test', DATA_DIR: '/tmp/onekyc-evidence-spec', PII_ENCRYPTION_KEYS: keys },
    { databaseUrl: 'postgres://u@h/db', sandboxBaseUrl: 'http://127.0.0.1:4010' },
  );
const K1 = 'k1:' + Buffer.alloc(32, 1).toString('base64');
const K2 = 'k2:' + Buffer.alloc(32, 2).toString('base64');

describe('sniffImage', () => {
  it('recognises JPEG, PNG and WebP by their first bytes, whatever a server claims', () => {
    expect(sniffImage(syntheticImage('s', 'KTP', 'jpeg'))).toBe('image/jpeg');
    expect(sniffImage(syntheticImage('s', 'KTP', 'png'))).toBe('image/png');
    expect(sniffImage(syntheticImage('s', 'KTP', 'webp'))).toBe('image/webp');
  });
  it('refuses HTML, XML errors, GIF, empty and truncated bodies', () => {
    for (const b of [
      '<!doctype html><html>',
      '<?xml version="1.0"?><Error/>',
      'GIF89a....',
      '',
      '\xff\xd8',
    ]) {
      expect(sniffImage(Buffer.from(b, 'latin1'))).toBeNull();
    }
    expect(sniffImage(Buffer.from('RIFF\0\0\0\0WAVEfmt ', 'latin1'))).toBeNull();
  });
});

describe('urlExpiry', () => {
  const received = new Date('2026-01-01T00:00:00Z');
  it('reads `expires` (epoch seconds) and SigV4 X-Amz-Date + X-Amz-Expires', () => {
    expect(urlExpiry('http://h/x?expires=1767657600&signature=ab', received).toISOString()).toBe(
      '2026-01-06T00:00:00.000Z',
    );
    expect(
      urlExpiry(
        'https://b.s3.amazonaws.com/k?X-Amz-Date=20260101T120000Z&X-Amz-Expires=432000',
        received,
      ).toISOString(),
    ).toBe('2026-01-06T12:00:00.000Z');
  });
  it('assumes the provider lifetime from receipt when the URL says nothing (or is not a URL)', () => {
    for (const u of ['https://cdn/x.jpg', 'not a url', 'http://h/x?expires=soon']) {
      expect(urlExpiry(u, received).getTime()).toBe(received.getTime() + DEFAULT_URL_LIFETIME_MS);
    }
  });
});

describe('retryDelayMs', () => {
  it('doubles from 15 s with jitter, capped at 30 min', () => {
    expect(retryDelayMs(1, 0)).toBe(7_500);
    expect(retryDelayMs(1, 0.999999)).toBeLessThanOrEqual(15_000);
    expect(retryDelayMs(3, 0.5)).toBe(45_000);
    expect(retryDelayMs(50, 0.999999)).toBeLessThanOrEqual(30 * 60_000);
    expect(retryDelayMs(50, 0)).toBe(15 * 60_000);
  });
});

describe('EvidenceCipher', () => {
  const key = '6f1c1f9e-2a5b-4c3d-8e7f-000000000001/KTP.0b6f2c1a-3d4e-4f50-8a6b-7c8d9e0f1a2b.okev';
  const image = randomBytes(5000);

  it('seals under a fresh data key each time; opens with the wrapped key; no plaintext in the object', () => {
    const c = new EvidenceCipher(new PiiCipher(config(K1)));
    const a = c.seal(image, key);
    const b = c.seal(image, key);
    expect(a.body.equals(b.body)).toBe(false);
    expect(a.wrappedKey).not.toBe(b.wrappedKey);
    expect(a.wrappedKey.startsWith('v1:k1:')).toBe(true);
    expect(a.body.includes(image.subarray(100, 132))).toBe(false);
    expect(c.open(a.body, key, a.wrappedKey).equals(image)).toBe(true);
  });

  it('refuses a tampered object, another key name (objects cannot be swapped) and a foreign body', () => {
    const c = new EvidenceCipher(new PiiCipher(config(K1)));
    const sealed = c.seal(image, key);
    const flipped = Buffer.from(sealed.body);
    flipped[40] ^= 1;
    expect(() => c.open(flipped, key, sealed.wrappedKey)).toThrow(EvidenceIntegrityError);
    expect(() => c.open(sealed.body, key.replace('KTP', 'SELFIE'), sealed.wrappedKey)).toThrow(
      EvidenceIntegrityError,
    );
    expect(() => c.open(Buffer.from('hello world, not an object at all'), key, sealed.wrappedKey)).toThrow(
      /not an evidence object/,
    );
  });

  it('after a PII key rotation, a re-wrapped data key opens the unchanged object', () => {
    const old = new PiiCipher(config(K1));
    const sealed = new EvidenceCipher(old).seal(image, key);
    const rotated = new PiiCipher(config(`${K2},${K1}`));
    const rewrapped = rotated.reencrypt(sealed.wrappedKey);
    expect(rewrapped.startsWith('v1:k2:')).toBe(true);
    expect(new EvidenceCipher(rotated).open(sealed.body, key, rewrapped).equals(image)).toBe(true);
  });
});

describe('isSafeStoreKey', () => {
  it('accepts only keys the archiver makes (no traversal, no personal data)', () => {
    expect(
      isSafeStoreKey('6f1c1f9e-2a5b-4c3d-8e7f-000000000001/KTP.0b6f2c1a-3d4e-4f50-8a6b-7c8d9e0f1a2b.okev'),
    ).toBe(true);
    expect(isSafeStoreKey('../etc/passwd')).toBe(false);
    expect(isSafeStoreKey('6f1c1f9e-2a5b-4c3d-8e7f-000000000001/../../x.okev')).toBe(false);
  });
});
