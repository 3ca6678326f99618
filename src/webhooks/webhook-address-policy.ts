// Partner webhooks: where the service may send a request (SSRF defence). An endpoint URL is
// checked when it is saved AND every time a delivery connects: the connection's own DNS lookup
// goes through `guardedLookup`, so the address checked is the address connected to (a name that
// resolves to a public address when saved and to 127.0.0.1 later, DNS rebinding, is refused).
import { lookup as dnsLookup, LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/** dns.lookup's shape, always with `all: true` (tests hand in their own resolver). */
export type Resolver = (
  hostname: string,
  callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

export const systemResolver: Resolver = (hostname, callback) =>
  dnsLookup(hostname, { all: true, verbatim: true }, callback);

export class ForbiddenAddressError extends Error {
  readonly code = 'EWEBHOOKADDRESS';
  constructor(
    readonly host: string,
    readonly address: string,
  ) {
    super(`${host} resolves to ${address}, a loopback, private, link-local or reserved address`);
    this.name = 'ForbiddenAddressError';
  }
}

/**
 * Only global unicast addresses are allowed: loopback, RFC 1918 private, link-local (cloud
 * metadata 169.254.169.254 included), CGNAT 100.64/10, unique-local fc00::/7, multicast,
 * reserved, documentation and the IPv6 forms that carry an IPv4 address (mapped ::ffff:0:0/96,
 * NAT64, 6to4, Teredo) are refused; IPv4-mapped IPv6 is judged by the IPv4 address inside.
 */
export function isForbiddenAddress(address: string): boolean {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.parse(address);
  } catch {
    return true;
  }
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  }
  return parsed.range() !== 'unicast';
}

/** The address check as a `lookup` for net/tls.connect (undici passes `connect.lookup` through). */
export function guardedLookup(resolve: () => Resolver) {
  return (
    hostname: string,
    options: { all?: boolean } | number | undefined,
    callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
  ): void => {
    resolve()(hostname, (err, addresses) => {
      if (err) return callback(err, '');
      if (!addresses?.length)
        return callback(Object.assign(new Error(`${hostname} did not resolve`), { code: 'ENOTFOUND' }), '');
      // Every address must pass, not just the first: the connection may try any of them.
      const bad = addresses.find((a) => isForbiddenAddress(a.address));
      if (bad) return callback(new ForbiddenAddressError(hostname, bad.address), '');
      if (typeof options === 'object' && options?.all) return callback(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };
}

/** Why a URL may not be an endpoint (null when it may): the text of a 400 about `url`. */
export async function checkEndpointUrl(
  raw: string,
  allowPrivateNetworks: boolean,
  resolver: Resolver,
): Promise<string | null> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'url must be an absolute URL';
  }
  if (url.protocol !== 'https:' && !(allowPrivateNetworks && url.protocol === 'http:')) {
    return allowPrivateNetworks ? 'url must be http or https' : 'url must be https';
  }
  if (url.username || url.password) return 'url must not contain credentials';
  if (url.hash) return 'url must not contain a fragment';
  if (allowPrivateNetworks) return null;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) {
    return isForbiddenAddress(host)
      ? `url must not point at a loopback, private, link-local or reserved address (${host})`
      : null;
  }
  const addresses = await new Promise<LookupAddress[] | Error>((done) =>
    resolver(host, (err, found) => done(err ?? found)),
  );
  if (addresses instanceof Error || addresses.length === 0) return `url host ${host} does not resolve`;
  const bad = addresses.find((a) => isForbiddenAddress(a.address));
  return bad
    ? `url host ${host} resolves to ${bad.address}, a loopback, private, link-local or reserved address`
    : null;
}

/** An IP-literal host never reaches `lookup`: the delivery checks it itself. */
export function forbiddenLiteralHost(raw: string): string | null {
  const host = new URL(raw).hostname.replace(/^\[|\]$/g, '');
  return isIP(host) && isForbiddenAddress(host) ? host : null;
}
