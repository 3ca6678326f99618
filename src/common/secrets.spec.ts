import { createHash } from 'node:crypto';
import { bearerToken, keyId, matchSecret, SecretSet } from './secrets.js';

const idKey = Buffer.from('0123456789abcdef0123456789abcdef');

describe('secrets', () => {
  it('matches any accepted secret and reports which one', () => {
    expect(matchSecret('b', ['a', 'b'])).toBe(1);
    expect(matchSecret('a', ['a', 'b'])).toBe(0);
    expect(matchSecret('c', ['a', 'b'])).toBe(-1);
    expect(matchSecret(undefined, ['a'])).toBe(-1);
    expect(matchSecret('', [''])).toBe(0);
  });

  it('keeps the same answers when the accepted side is hashed once, and names keys by keyId', () => {
    const set = new SecretSet(['a', 'b'], idKey);
    expect([set.match('a'), set.match('b'), set.match('c'), set.match(undefined)]).toEqual([0, 1, -1, -1]);
    expect(set.ids).toEqual([keyId('a', idKey), keyId('b', idKey)]);
    expect(new SecretSet([]).match('a')).toBe(-1);
  });

  it('parses bearer tokens and ignores other schemes', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer   abc ')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });

  it('derives stable key ids that need the server secret (a database read cannot test guesses)', () => {
    expect(keyId('secret', idKey)).toBe(keyId('secret', idKey));
    expect(keyId('secret', idKey)).not.toContain('secret');
    expect(keyId('secret', idKey)).toHaveLength(12);
    // Not a plain hash of the key: without the server's key the id says nothing.
    const plain = createHash('sha256').update('secret').digest('hex');
    expect(plain.startsWith(keyId('secret', idKey))).toBe(false);
    expect(keyId('secret', Buffer.alloc(32, 1))).not.toBe(keyId('secret', idKey));
  });
});
