import { isIP, type LookupFunction } from 'node:net';
import { classifyAddress, METADATA_HOST_NAMES, normalizeHost } from './address-policy';
import { AllowList } from './allow-list';
import { AddressRefusedError } from './errors';
import { guardedLookup, systemResolve, type ResolveAll } from './guarded-lookup';

export interface AddressGuardOptions {
  /** Non-public networks and hosts allowed anyway: CIDRs, addresses, host names. Default none. */
  readonly allow?: readonly string[];
  /** Resolves host names to every address. Default the system resolver (`dns.lookup`, all). */
  readonly resolve?: ResolveAll;
}

/** What `inspect` found: every address the name resolves to now, or none when it did not resolve. */
export interface HostInspection {
  readonly host: string;
  /** False when the name did not resolve (DNS error, no answer in time): nothing was judged but the name. */
  readonly resolved: boolean;
  readonly addresses: readonly string[];
}

export const ADDRESS_GUARD_DEFAULTS = {
  /** How long `inspect` waits for DNS before giving up on judging the addresses. */
  inspectTimeoutMs: 2_000,
} as const;

/**
 * Decides which destinations a caller-given URL may reach (SSRF): loopback, private (RFC 1918,
 * CGNAT, ULA), link-local, unspecified, multicast, reserved and cloud metadata addresses, and the
 * metadata host names, are refused unless the allow-list names the host or the address. `lookup`
 * makes a socket connect only to addresses it checked (no DNS rebinding between check and connect).
 */
export class AddressGuard {
  readonly allowList: AllowList;
  /** A `lookup` for `http.request` / `net.connect`: resolves, checks every address, hands over checked ones. */
  readonly lookup: LookupFunction;
  private readonly resolve: ResolveAll;

  /** Throws (plain Error) naming the first allow-list entry that is not a CIDR, an address or a host name. */
  constructor(options: AddressGuardOptions = {}) {
    this.allowList = new AllowList(options.allow ?? []);
    this.resolve = options.resolve ?? systemResolve;
    this.lookup = guardedLookup(this.resolve, (host, address) => this.checkAddress(host, address));
  }

  /** Refuses a cloud metadata host name the allow-list does not name (before any lookup). */
  checkName(host: string): void {
    const name = normalizeHost(host);
    if (METADATA_HOST_NAMES.includes(name) && !this.allowList.allowsHost(name)) throw new AddressRefusedError(name, 'a cloud metadata host');
  }

  /** Refuses `address` (what `host` resolved to, or `host` itself as a literal) unless it is public or allowed. */
  checkAddress(host: string, address: string): void {
    const name = normalizeHost(host);
    if (this.allowList.allowsHost(name) || this.allowList.allowsAddress(address)) return;
    const kind = classifyAddress(address);
    if (kind === 'public') return;
    const what = `${/^[aeiou]/.test(kind) ? 'an' : 'a'} ${kind} address`;
    throw new AddressRefusedError(name, isIP(name) ? what : `it resolves to ${what}`);
  }

  /**
   * Checks a URL host (`URL.hostname`) before a request and gives the options the request needs: a
   * literal address is judged now (no lookup happens for one); a name is checked and gets the
   * guarded `lookup`, so the socket connects only to addresses judged at connect time.
   */
  connectOptions(hostname: string): { lookup?: LookupFunction } {
    const host = normalizeHost(hostname);
    this.checkName(host);
    if (isIP(host) !== 0) {
      this.checkAddress(host, host);
      return {};
    }
    return { lookup: this.lookup };
  }

  /**
   * Judges a host ahead of a later connection (a URL being stored): the name, a literal address, or
   * every address the name resolves to now (one refused address refuses the host). A name that does
   * not resolve, or not within `timeoutMs`, is not refused: the connection judges what it resolves to then.
   */
  async inspect(hostname: string, options: { timeoutMs?: number } = {}): Promise<HostInspection> {
    const host = normalizeHost(hostname);
    this.checkName(host);
    if (isIP(host) !== 0) {
      this.checkAddress(host, host);
      return { host, resolved: true, addresses: [host] };
    }
    const found = await this.resolveWithin(host, options.timeoutMs ?? ADDRESS_GUARD_DEFAULTS.inspectTimeoutMs);
    if (!found || found.length === 0) return { host, resolved: false, addresses: [] };
    for (const address of found) this.checkAddress(host, address);
    return { host, resolved: true, addresses: found };
  }

  private async resolveWithin(host: string, timeoutMs: number): Promise<string[] | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), timeoutMs);
    });
    try {
      const lookup = this.resolve(host).then(
        (entries) => entries.map((entry) => entry.address),
        () => undefined,
      );
      return await Promise.race([lookup, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
