import { expect } from 'chai';
import { AllowList, classifyAddress } from '../src';

describe('net: which addresses a connection may reach (classifyAddress, AllowList)', () => {
  const cases: Array<[string, string]> = [
    ['93.184.216.34', 'public'],
    ['8.8.8.8', 'public'],
    ['2606:4700::6810:85e5', 'public'],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.0.1', 'private'],
    ['100.64.0.1', 'private'],
    ['100.127.255.255', 'private'],
    ['100.128.0.1', 'public'],
    ['fc00::1', 'private'],
    ['fdff:ffff::1', 'private'],
    ['169.254.1.1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['169.254.169.254', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['192.0.2.5', 'reserved'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['64:ff9b::a9fe:a9fe', 'metadata'],
    ['64:ff9b::808:808', 'public'],
    ['2002:7f00:1::1', 'loopback'],
    ['2002:0808:0808::1', 'public'],
    ['::127.0.0.1', 'reserved'],
    ['2001:db8::1', 'reserved'],
    ['not-an-ip', 'reserved'],
  ];
  for (const [address, kind] of cases) {
    it(`${address} is ${kind}`, () => expect(classifyAddress(address)).to.equal(kind));
  }

  it('an allow-list takes CIDRs, addresses and host names, and names each bad entry', () => {
    const allow = new AllowList(['10.20.0.0/16', '::1', 'Media.Internal.', 'fd00::/8']);
    expect(allow.allowsAddress('10.20.3.4')).to.equal(true);
    expect(allow.allowsAddress('10.21.0.1')).to.equal(false);
    expect(allow.allowsAddress('::1')).to.equal(true);
    expect(allow.allowsAddress('fd12::1')).to.equal(true);
    expect(allow.allowsHost('media.internal')).to.equal(true);
    expect(allow.allowsHost('other.internal')).to.equal(false);
    expect(AllowList.problems(['10.0.0.0/33', 'http://x', 'ok.example', '1.2.3.4/8/9'])).to.have.length(3);
    expect(() => new AllowList(['bad host!'])).to.throw('neither a CIDR');
  });
});
