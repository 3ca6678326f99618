// Which caller IPs may deliver provider callbacks (CALLBACK_ALLOWED_IPS). Pure: parsed once at
// start, then matched per request. IPv4-mapped IPv6 (::ffff:1.2.3.4, what a dual-stack socket
// reports for an IPv4 peer) is compared as the IPv4 address it carries, on both sides.
import ipaddr from 'ipaddr.js';

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

export class IpAllowList {
  private readonly v4: Range[] = [];
  private readonly v6: Range[] = [];

  /** @throws Error naming the entry when one is neither an IP nor a CIDR. */
  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      const range = parseRange(entry);
      (range[0].kind() === 'ipv4' ? this.v4 : this.v6).push(range);
    }
  }

  /** An empty list allows every caller (as the contract says); the service warns about it at start. */
  get allowsAll(): boolean {
    return this.v4.length === 0 && this.v6.length === 0;
  }

  allows(ip: string | undefined): boolean {
    if (this.allowsAll) return true;
    if (!ip) return false;
    let addr: ipaddr.IPv4 | ipaddr.IPv6;
    try {
      addr = ipaddr.process(ip); // ::ffff:a.b.c.d becomes a.b.c.d
    } catch {
      return false;
    }
    const ranges = addr.kind() === 'ipv4' ? this.v4 : this.v6;
    for (const range of ranges) if (addr.match(range)) return true;
    return false;
  }
}

function parseRange(entry: string): Range {
  const value = entry.trim();
  try {
    if (value.includes('/')) {
      const [addr, bits] = ipaddr.parseCIDR(value);
      // ::ffff:1.2.3.0/120 is the IPv4 range 1.2.3.0/24.
      if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) {
        return [(addr as ipaddr.IPv6).toIPv4Address(), bits - 96];
      }
      return [addr, bits];
    }
    const addr = ipaddr.process(value);
    return [addr, addr.kind() === 'ipv4' ? 32 : 128];
  } catch {
    throw new Error(`not an IP or CIDR: ${value}`);
  }
}
