import { syntheticKtp, verificationFor } from './sandbox-data.js';
import { randomUuid, seededRandom } from './sandbox-random.js';

describe('sandbox synthetic data', () => {
  it('should generate well-formed KTP data whose NIK agrees with the birth date and gender', () => {
    const random = seededRandom(7);
    for (let i = 0; i < 200; i++) {
      const k = syntheticKtp(random);
      expect(k.nik).toMatch(/^\d{16}$/);
      const [dd, mm, yyyy] = k.dateOfBirth.split('-');
      const nikDay = Number(k.nik.slice(6, 8));
      expect(k.gender === 'female' ? nikDay - 40 : nikDay).toBe(Number(dd));
      expect(k.nik.slice(8, 10)).toBe(mm);
      expect(k.nik.slice(10, 12)).toBe(yyyy.slice(2));
      expect(k.name).toMatch(/^[A-Z]+ [A-Z]+$/);
      expect(k.issuanceDate).toMatch(/^\d{2}-\d{2}-\d{4}$/);
    }
  });

  it('should repeat exactly with the same seed', () => {
    expect(syntheticKtp(seededRandom(42))).toEqual(syntheticKtp(seededRandom(42)));
    expect(randomUuid(seededRandom(1))).toBe(randomUuid(seededRandom(1)));
    expect(randomUuid(seededRandom(1))).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('should make per-check results agree with the result and reason', () => {
    expect(verificationFor('COMPLETED', 'VALID', null)).toEqual({
      nik: 'PASS',
      name: 'PASS',
      dateOfBirth: 'PASS',
      selfie: 'PASS',
    });
    expect(verificationFor('COMPLETED', 'INVALID', 'LIVENESS_CHECK_FAILED')?.selfie).toBe('FAIL');
    expect(verificationFor('COMPLETED', 'INVALID', 'DUKCAPIL_REJECTED')?.nik).toBe('FAIL');
    expect(verificationFor('PARTIALLY_COMPLETED', undefined, null)).toBeUndefined();
  });
});
