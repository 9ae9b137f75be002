import { BlockList, isIP } from 'node:net';
import { normalizeHost } from './address-policy';

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]{0,62})(\.[a-z0-9_]([a-z0-9_-]{0,62}))*$/;

/**
 * Hosts and networks a connection may reach although they are not public (`MEDIA_FETCH_ALLOW`,
 * `WEBHOOK_ALLOW`): CIDRs (`10.1.0.0/16`, `fd00::/8`), single addresses, or host names (exact,
 * case-insensitive; the name allows whatever it resolves to).
 */
export class AllowList {
  private readonly networks = new BlockList();
  private readonly names = new Set<string>();
  /** Entries as given, for messages. */
  readonly entries: readonly string[];

  /** Throws naming the first entry that is neither a CIDR, an address nor a host name. */
  constructor(entries: readonly string[]) {
    this.entries = Object.freeze([...entries]);
    for (const entry of entries) {
      const problem = this.add(entry.trim());
      if (problem) throw new Error(problem);
    }
  }

  /** The problem with each bad entry (for a config reader that names every one). */
  static problems(entries: readonly string[]): string[] {
    const probe = new AllowList([]);
    return entries.map((entry) => probe.add(entry.trim())).filter((problem): problem is string => problem !== undefined);
  }

  allowsHost(host: string): boolean {
    return this.names.has(normalizeHost(host));
  }

  allowsAddress(address: string): boolean {
    const family = isIP(address);
    if (family === 0) return false;
    return this.networks.check(address, family === 4 ? 'ipv4' : 'ipv6');
  }

  private add(entry: string): string | undefined {
    const [address, bits, extra] = entry.split('/');
    if (extra === undefined && address !== undefined && isIP(address) !== 0) {
      const family = isIP(address) === 4 ? 'ipv4' : 'ipv6';
      const max = family === 'ipv4' ? 32 : 128;
      const prefix = bits === undefined ? max : Number(bits);
      if (bits !== undefined && (!/^\d{1,3}$/.test(bits) || prefix > max)) return `"${entry}": the prefix length must be 0 to ${max}`;
      this.networks.addSubnet(address, prefix, family);
      return undefined;
    }
    const name = normalizeHost(entry);
    if (bits === undefined && HOST_NAME.test(name)) {
      this.names.add(name);
      return undefined;
    }
    return `"${entry}" is neither a CIDR, an IP address nor a host name`;
  }
}
