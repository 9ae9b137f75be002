import { expect } from 'chai';
import { ConfigError } from '@fleet/errors';
import { readWorkerConfig, workerConfig } from '../src';

describe('worker config: PROXY_ALLOW (which non-public hosts a session proxy may be)', () => {
  const base = { INSTANCE_ID: 'instance-1', SESSION_STORAGE_PATH: '/tmp/fleet-sessions' };

  it('reads CIDRs, addresses and host names as the ingress does; unset allows none', () => {
    expect(readWorkerConfig({ ...base, PROXY_ALLOW: '10.0.0.0/8, proxies.internal ,::1' }).proxyAllow).to.deep.equal(['10.0.0.0/8', 'proxies.internal', '::1']);
    expect(readWorkerConfig(base).proxyAllow).to.deep.equal([]);
    expect(workerConfig({ common: readWorkerConfig(base).common, instanceId: 'i1', storagePath: '/tmp' }).proxyAllow).to.deep.equal([]);
  });

  it('names every bad entry at once', () => {
    let error: unknown;
    try {
      readWorkerConfig({ ...base, PROXY_ALLOW: '10.0.0.0/33,http://proxy:3128' });
    } catch (caught) {
      error = caught;
    }
    expect(error).to.be.instanceOf(ConfigError);
    expect((error as ConfigError).problems).to.deep.equal([
      'PROXY_ALLOW: "10.0.0.0/33": the prefix length must be 0 to 32',
      'PROXY_ALLOW: "http://proxy:3128" is neither a CIDR, an IP address nor a host name',
    ]);
  });
});
