import { buildConfig, parsePiiKeys } from '../../config/app-config.js';
import { maskEmail, maskKtp, maskName, maskNik, maskPhone } from './masking.js';
import { PiiCipher, PiiDecryptionError } from './pii-cipher.js';

const k = (b: number) => Buffer.alloc(32, b).toString('base64');
function cipher(keys: string, blind?: string) {
  return new PiiCipher(
    buildConfig(
      { NODE_ENV: 'test', PII_ENCRYPTION_KEYS: keys, ...(blind ? { PII_BLIND_INDEX_KEY: blind } : {}) },
      { databaseUrl: 'postgres://unused/db', sandboxBaseUrl: 'http://127.0.0.1:1' },
    ),
  );
}

describe('PiiCipher', () => {
  it('round-trips and never produces the plaintext or the same ciphertext twice', () => {
    const c = cipher(`a:${k(1)}`);
    const one = c.encrypt('3208201808850001');
    const two = c.encrypt('3208201808850001');
    expect(one).not.toContain('3208201808850001');
    expect(one).not.toEqual(two);
    expect(c.decrypt(one)).toBe('3208201808850001');
    expect(c.keyIdOf(one)).toBe('a');
  });

  it('never hands out the same IV twice, across draws of the IV pool', () => {
    const c = cipher(`a:${k(1)}`);
    const ivs = new Set<string>();
    // 1,000 encryptions span four CSPRNG draws of 256 IVs.
    for (let i = 0; i < 1000; i++) {
      const env = c.encrypt(`v${i}`);
      ivs.add(env.split(':')[2]);
      expect(c.decrypt(env)).toBe(`v${i}`);
    }
    expect(ivs.size).toBe(1000);
    expect([...ivs].every((iv) => Buffer.from(iv, 'base64url').length === 12)).toBe(true);
  });

  it('decrypts rows written under an older key after rotation and re-encrypts them under the newest', () => {
    const old = cipher(`a:${k(1)}`);
    const rotated = cipher(`b:${k(2)},a:${k(1)}`, k(9));
    const legacy = old.encrypt('JOHN DOE');
    expect(rotated.decrypt(legacy)).toBe('JOHN DOE');
    expect(rotated.needsReencryption(legacy)).toBe(true);
    const fresh = rotated.reencrypt(legacy);
    expect(rotated.keyIdOf(fresh)).toBe('b');
    expect(rotated.decrypt(fresh)).toBe('JOHN DOE');
    expect(rotated.needsReencryption(fresh)).toBe(false);
  });

  it('refuses tampered ciphertext and unknown keys', () => {
    const c = cipher(`a:${k(1)}`);
    const env = c.encrypt('secret');
    const parts = env.split(':');
    parts[4] = Buffer.from('tampered').toString('base64url');
    expect(() => c.decrypt(parts.join(':'))).toThrow(PiiDecryptionError);
    expect(() => cipher(`z:${k(3)}`).decrypt(env)).toThrow(/not configured/);
  });

  it('keeps blind indexes stable when a new encryption key is prepended', () => {
    const before = cipher(`a:${k(1)}`);
    const after = cipher(`b:${k(2)},a:${k(1)}`);
    expect(after.blindIndex('nik', '3208201808850001')).toBe(before.blindIndex('nik', '3208201808850001'));
    expect(before.blindIndex('email', ' John@Example.com')).toBe(
      before.blindIndex('email', 'john@example.com'),
    );
    expect(before.blindIndex('nik', '3208201808850001')).not.toBe(
      before.blindIndex('nik', '3208201808850002'),
    );
    expect(before.blindIndex('nik', '3208201808850001')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('rejects malformed key lists', () => {
    expect(() => parsePiiKeys('nokid')).toThrow(/kid:base64key/);
    expect(() => parsePiiKeys(`a:${Buffer.alloc(16).toString('base64')}`)).toThrow(/32 bytes/);
    expect(() => parsePiiKeys(`a:${k(1)},a:${k(2)}`)).toThrow(/unique/);
  });
});

describe('masking', () => {
  it('masks as operators expect', () => {
    expect(maskNik('3208201808850001')).toBe('3208********0001');
    expect(maskName('JOHN DOE')).toBe('J. D.');
    expect(maskPhone('628123456789')).toBe('6281******89');
    expect(maskEmail('john.doe@example.com')).toBe('j***@e***.com');
    const ktp = maskKtp({
      nik: '3208201808850001',
      name: 'JOHN DOE',
      dateOfBirth: '18-02-1960',
      address: 'JL. MAWAR 1',
      gender: 'male',
    });
    expect(ktp).toEqual({
      nik: '3208********0001',
      name: 'J. D.',
      dateOfBirth: '**-**-1960',
      address: '***',
      gender: 'male',
    });
  });
});
