import { BlockList, isIP } from 'node:net';

/**
 * The client's IP: the socket's peer, unless that peer is a trusted proxy, in which case the
 * X-Forwarded-For chain is walked from the right, skipping trusted proxies, and the first
 * untrusted address is the client. A client cannot forge its way past an untrusted hop.
 */
export class ClientIpResolver {
  private readonly trusted = new BlockList();
  private readonly anyTrusted: boolean;

  constructor(trustedProxies: string[]) {
    for (const entry of trustedProxies) {
      const [address, prefix] = entry.split('/');
      const family = isIP(address ?? '');
      if (family === 0) throw new Error(`quotas.trusted_proxies: "${entry}" is not an IP address or CIDR`);
      const type = family === 6 ? 'ipv6' : 'ipv4';
      if (prefix === undefined) this.trusted.addAddress(address!, type);
      else this.trusted.addSubnet(address!, Number(prefix), type);
    }
    this.anyTrusted = trustedProxies.length > 0;
  }

  resolve(socketAddress: string | undefined, forwardedFor: string | string[] | undefined): string {
    const peer = normalise(socketAddress ?? 'unknown');
    if (!this.anyTrusted || !this.isTrusted(peer) || forwardedFor === undefined) return peer;
    const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor).split(',').map((h) => normalise(h.trim()));
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i]!;
      if (isIP(hop) === 0) return peer; // garbage in the chain: believe only the socket
      if (!this.isTrusted(hop)) return hop;
    }
    return hops[0] ?? peer;
  }

  private isTrusted(address: string): boolean {
    const family = isIP(address);
    return family !== 0 && this.trusted.check(address, family === 6 ? 'ipv6' : 'ipv4');
  }
}

// "::ffff:10.0.0.1" (IPv4 on a dual-stack socket) is the IPv4 address 10.0.0.1.
function normalise(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}
