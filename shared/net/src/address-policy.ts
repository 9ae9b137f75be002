import { BlockList, isIP } from 'node:net';
import { hasPrefix, ipv4At, ipv6Bytes } from './ip-address';

/** Why an address is not public; only `public` is reached without an allow-list entry. */
export type AddressClass = 'public' | 'loopback' | 'private' | 'link-local' | 'unspecified' | 'multicast' | 'metadata' | 'reserved';

type Range = readonly [subnet: string, prefix: number, kind: Exclude<AddressClass, 'public'>];

/** First match wins: the metadata addresses sit inside wider ranges. */
const IPV4_RANGES: readonly Range[] = [
  ['169.254.169.254', 32, 'metadata'], // AWS, GCP, Azure, OpenStack, DigitalOcean …
  ['100.100.100.200', 32, 'metadata'], // Alibaba Cloud
  ['0.0.0.0', 8, 'unspecified'],
  ['127.0.0.0', 8, 'loopback'],
  ['10.0.0.0', 8, 'private'],
  ['172.16.0.0', 12, 'private'],
  ['192.168.0.0', 16, 'private'],
  ['100.64.0.0', 10, 'private'], // carrier-grade NAT
  ['169.254.0.0', 16, 'link-local'],
  ['192.0.0.0', 24, 'reserved'], // IETF protocol assignments
  ['192.0.2.0', 24, 'reserved'], // documentation
  ['198.18.0.0', 15, 'reserved'], // benchmarking
  ['198.51.100.0', 24, 'reserved'],
  ['203.0.113.0', 24, 'reserved'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'], // and 255.255.255.255
];

const IPV6_RANGES: readonly Range[] = [
  ['fd00:ec2::254', 128, 'metadata'], // AWS over IPv6
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['fc00::', 7, 'private'], // unique local
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'private'], // site-local (deprecated)
  ['ff00::', 8, 'multicast'],
  ['::', 96, 'reserved'], // IPv4-compatible (deprecated)
  ['64:ff9b:1::', 48, 'reserved'], // local-use NAT64
  ['100::', 64, 'reserved'], // discard-only
  ['2001::', 32, 'reserved'], // Teredo (hides the IPv4 it reaches)
  ['2001:db8::', 32, 'reserved'], // documentation
];

function blockLists(ranges: readonly Range[], family: 'ipv4' | 'ipv6'): Array<[BlockList, Range[2]]> {
  return ranges.map(([subnet, prefix, kind]) => {
    const list = new BlockList();
    list.addSubnet(subnet, prefix, family);
    return [list, kind];
  });
}

const V4 = blockLists(IPV4_RANGES, 'ipv4');
const V6 = blockLists(IPV6_RANGES, 'ipv6');

function classifyV4(address: string): AddressClass {
  return V4.find(([list]) => list.check(address, 'ipv4'))?.[1] ?? 'public';
}

/**
 * What kind of address `address` is. IPv6 forms that carry an IPv4 address are judged by it:
 * IPv4-mapped (`::ffff:a.b.c.d`), NAT64 (`64:ff9b::/96`) and 6to4 (`2002::/16`). Not an IP: `reserved`.
 */
export function classifyAddress(address: string): AddressClass {
  const family = isIP(address);
  if (family === 4) return classifyV4(address);
  const bytes = family === 6 ? ipv6Bytes(address) : undefined;
  if (!bytes) return 'reserved';
  if (hasPrefix(bytes, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff], 96)) return classifyV4(ipv4At(bytes, 12));
  if (hasPrefix(bytes, [0, 0x64, 0xff, 0x9b], 96)) return classifyV4(ipv4At(bytes, 12));
  if (hasPrefix(bytes, [0x20, 0x02], 16)) return classifyV4(ipv4At(bytes, 2));
  const plain = address.replace(/%.*$/, '');
  return V6.find(([list]) => list.check(plain, 'ipv6'))?.[1] ?? 'public';
}

/** Host names of cloud metadata services, refused by name before any lookup. */
export const METADATA_HOST_NAMES: readonly string[] = ['metadata.google.internal', 'metadata.goog', 'metadata', 'instance-data', 'instance-data.ec2.internal'];

/** A URL host as compared: lower-case, no trailing dot, IPv6 without brackets. */
export function normalizeHost(host: string): string {
  return host
    .toLowerCase()
    .replace(/\.$/, '')
    .replace(/^\[(.*)\]$/, '$1');
}

/** Whether `host` (a URL host) is a cloud metadata service: one of its names, or a metadata address. */
export function isMetadataHost(host: string): boolean {
  const name = normalizeHost(host);
  return METADATA_HOST_NAMES.includes(name) || (isIP(name) !== 0 && classifyAddress(name) === 'metadata');
}
