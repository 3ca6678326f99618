// Unit spec of secrets and signatures: what a partner's standardwebhooks verification accepts.
import { Webhook } from 'standardwebhooks';
import { generateSecret, isValidSecret, signatureHeader } from './webhook-secret.js';

describe('webhook secrets', () => {
  it('should generate whsec_ secrets of 32 random bytes that pass validation', () => {
    const a = generateSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(isValidSecret(a)).toBe(true);
    expect(generateSecret()).not.toBe(a);
  });

  it('should refuse secrets without the prefix, with bad base64 or shorter than 24 bytes', () => {
    expect(isValidSecret(Buffer.alloc(32).toString('base64'))).toBe(false);
    expect(isValidSecret('whsec_not base64!')).toBe(false);
    expect(isValidSecret('whsec_' + Buffer.alloc(23, 1).toString('base64'))).toBe(false);
    expect(isValidSecret('whsec_' + Buffer.alloc(24, 1).toString('base64'))).toBe(true);
  });

  it('should sign once per secret so a receiver holding either secret verifies', () => {
    const [current, previous] = [generateSecret(), generateSecret()];
    const at = new Date();
    const body = JSON.stringify({ id: 'e1', type: 'webhook.test' });
    const header = signatureHeader([current, previous], 'e1', at, body);
    expect(header.split(' ')).toHaveLength(2);
    for (const s of [current, previous]) {
      const headers = {
        'webhook-id': 'e1',
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': header,
      };
      expect(new Webhook(s).verify(body, headers)).toEqual({ id: 'e1', type: 'webhook.test' });
    }
    expect(() =>
      new Webhook(generateSecret()).verify(body, {
        'webhook-id': 'e1',
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': header,
      }),
    ).toThrow();
  });
});
