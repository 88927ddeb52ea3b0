import { BlockList, isIP, isIPv6 } from 'node:net';

/** Whether text is an address or a network in CIDR form (10.0.0.0/8, 2001:db8::/32). */
export function isNetwork(c: string): boolean {
  const [address, bits, extra] = c.split('/');
  const family = isIP(address ?? '');
  if (family === 0 || extra !== undefined) return false;
  return bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= (family === 6 ? 128 : 32));
}

/** A set of networks, asked whether an address is in one; an IPv4 client on a dual-stack socket counts as IPv4. */
export class Networks {
  private readonly list = new BlockList();

  constructor(cidrs: readonly string[]) {
    for (const c of cidrs) {
      const [address, bits] = c.split('/') as [string, string | undefined];
      const type = isIPv6(address) ? 'ipv6' : 'ipv4';
      if (bits === undefined) this.list.addAddress(address, type);
      else this.list.addSubnet(address, Number(bits), type);
    }
  }

  has(raw: string): boolean {
    const address = raw.startsWith('::ffff:') ? raw.slice(7) : raw;
    if (isIP(address) === 0) return false;
    return this.list.check(address, isIPv6(address) ? 'ipv6' : 'ipv4');
  }
}
