// Unit spec of the SSRF address rules: which addresses a webhook may never reach.
import { LookupAddress } from 'node:dns';
import { checkEndpointUrl, guardedLookup, isForbiddenAddress, Resolver } from './webhook-address-policy.js';

const resolverOf =
  (map: Record<string, string[]>): Resolver =>
  (host, cb) =>
    map[host]
      ? cb(
          null,
          map[host].map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
        )
      : cb(Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' }), []);

describe('isForbiddenAddress', () => {
  it.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '::1',
    '::',
    'fe80::1',
    'fd00:ec2::254',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
    '64:ff9b::a00:1',
    '2002:a00:1::',
  ])('should refuse %s', (a) => expect(isForbiddenAddress(a)).toBe(true));

  it.each(['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('should allow %s', (a) =>
    expect(isForbiddenAddress(a)).toBe(false),
  );
});

describe('checkEndpointUrl', () => {
  const resolver = resolverOf({
    'partner.example': ['93.184.216.34'],
    'evil.example': ['93.184.216.34', '10.0.0.5'],
  });

  it('should accept an https URL that resolves only to public addresses', async () => {
    expect(await checkEndpointUrl('https://partner.example/hooks', false, resolver)).toBeNull();
  });

  it('should refuse http unless private networks are allowed', async () => {
    expect(await checkEndpointUrl('http://partner.example/hooks', false, resolver)).toBe('url must be https');
    expect(await checkEndpointUrl('http://127.0.0.1:8080/hooks', true, resolver)).toBeNull();
  });

  it('should refuse a host with any private address among its answers', async () => {
    expect(await checkEndpointUrl('https://evil.example/', false, resolver)).toMatch(/10\.0\.0\.5/);
  });

  it('should refuse IP literals in forbidden ranges, credentials and unresolvable hosts', async () => {
    expect(await checkEndpointUrl('https://169.254.169.254/latest', false, resolver)).toMatch(/169\.254/);
    expect(await checkEndpointUrl('https://[::1]/x', false, resolver)).toMatch(/::1/);
    expect(await checkEndpointUrl('https://u:p@partner.example/', false, resolver)).toMatch(/credentials/);
    expect(await checkEndpointUrl('https://nowhere.example/', false, resolver)).toMatch(/does not resolve/);
    expect(await checkEndpointUrl('ftp://partner.example/', false, resolver)).toBe('url must be https');
  });
});

describe('guardedLookup', () => {
  it('should answer the checked addresses in both lookup forms, and refuse a private one', async () => {
    const lookup = guardedLookup(() => resolverOf({ ok: ['93.184.216.34'], bad: ['127.0.0.1'] }));
    const all = await new Promise<unknown>((done) => lookup('ok', { all: true }, (e, a) => done(e ?? a)));
    expect(all).toEqual([{ address: '93.184.216.34', family: 4 }]);
    const one = await new Promise<unknown>((done) => lookup('ok', {}, (e, a, f) => done(e ?? [a, f])));
    expect(one).toEqual(['93.184.216.34', 4]);
    const refused = await new Promise<unknown>((done) =>
      lookup('bad', { all: true }, (e, a: string | LookupAddress[]) => done(e ?? a)),
    );
    expect(refused).toBeInstanceOf(Error);
    expect((refused as Error).message).toMatch(/127\.0\.0\.1/);
  });
});
