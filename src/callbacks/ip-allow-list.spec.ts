import { IpAllowList } from './ip-allow-list.js';

describe('IpAllowList', () => {
  it('should allow every caller when the list is empty', () => {
    const list = new IpAllowList([]);
    expect(list.allowsAll).toBe(true);
    expect(list.allows('203.0.113.9')).toBe(true);
    expect(list.allows('2001:db8::1')).toBe(true);
  });

  it('should match IPv4 addresses against IPv4 CIDRs and single addresses', () => {
    const list = new IpAllowList(['1.2.3.0/24', '198.51.100.7']);
    expect(list.allowsAll).toBe(false);
    expect(list.allows('1.2.3.4')).toBe(true);
    expect(list.allows('1.2.3.255')).toBe(true);
    expect(list.allows('1.2.4.1')).toBe(false);
    expect(list.allows('198.51.100.7')).toBe(true);
    expect(list.allows('198.51.100.8')).toBe(false);
  });

  it('should match IPv6 addresses against IPv6 CIDRs', () => {
    const list = new IpAllowList(['2001:db8:abcd::/48', '::1']);
    expect(list.allows('2001:db8:abcd:12::5')).toBe(true);
    expect(list.allows('2001:db8:abce::5')).toBe(false);
    expect(list.allows('::1')).toBe(true);
    expect(list.allows('::2')).toBe(false);
  });

  it('should match an IPv4-mapped IPv6 caller as the IPv4 address it carries', () => {
    const list = new IpAllowList(['1.2.3.0/24']);
    expect(list.allows('::ffff:1.2.3.4')).toBe(true);
    expect(list.allows('::ffff:102:304')).toBe(true); // the same address, hex form
    expect(list.allows('::ffff:1.2.4.4')).toBe(false);
  });

  it('should read an IPv4-mapped IPv6 range in the list as its IPv4 range', () => {
    const list = new IpAllowList(['::ffff:1.2.3.0/120', '::ffff:9.9.9.9']);
    expect(list.allows('1.2.3.77')).toBe(true);
    expect(list.allows('::ffff:1.2.3.77')).toBe(true);
    expect(list.allows('9.9.9.9')).toBe(true);
    expect(list.allows('1.2.4.1')).toBe(false);
  });

  it('should never match across families', () => {
    const list = new IpAllowList(['0.0.0.0/0']);
    expect(list.allows('10.0.0.1')).toBe(true);
    expect(list.allows('2001:db8::1')).toBe(false);
    const v6 = new IpAllowList(['::/0']);
    expect(v6.allows('2001:db8::1')).toBe(true);
    expect(v6.allows('10.0.0.1')).toBe(false);
  });

  it('should refuse a missing or unparsable caller address', () => {
    const list = new IpAllowList(['1.2.3.0/24']);
    expect(list.allows(undefined)).toBe(false);
    expect(list.allows('')).toBe(false);
    expect(list.allows('not-an-ip')).toBe(false);
    expect(list.allows('1.2.3.4, 5.6.7.8')).toBe(false);
  });

  it('should reject an entry that is neither an IP nor a CIDR, naming it', () => {
    expect(() => new IpAllowList(['1.2.3.0/24', 'example.com'])).toThrow(/example\.com/);
    expect(() => new IpAllowList(['1.2.3.0/33'])).toThrow(/1\.2\.3\.0\/33/);
  });
});
