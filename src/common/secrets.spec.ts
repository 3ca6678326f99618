import { bearerToken, keyId, matchSecret, SecretSet } from './secrets.js';

describe('secrets', () => {
  it('matches any accepted secret and reports which one', () => {
    expect(matchSecret('b', ['a', 'b'])).toBe(1);
    expect(matchSecret('a', ['a', 'b'])).toBe(0);
    expect(matchSecret('c', ['a', 'b'])).toBe(-1);
    expect(matchSecret(undefined, ['a'])).toBe(-1);
    expect(matchSecret('', [''])).toBe(0);
  });

  it('keeps the same answers when the accepted side is hashed once, and names keys by keyId', () => {
    const set = new SecretSet(['a', 'b']);
    expect([set.match('a'), set.match('b'), set.match('c'), set.match(undefined)]).toEqual([0, 1, -1, -1]);
    expect(set.ids).toEqual([keyId('a'), keyId('b')]);
    expect(new SecretSet([]).match('a')).toBe(-1);
  });

  it('parses bearer tokens and ignores other schemes', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer   abc ')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });

  it('derives stable, non-reversible key ids', () => {
    expect(keyId('secret')).toBe(keyId('secret'));
    expect(keyId('secret')).not.toContain('secret');
    expect(keyId('secret')).toHaveLength(12);
  });
});
