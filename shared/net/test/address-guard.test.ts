import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { expect } from 'chai';
import { AddressGuard, AddressRefusedError, type ResolveAll } from '../src';

/** Names the tests resolve themselves (counting calls); anything else fails as DNS would. */
function resolver(names: Record<string, string[]>, calls: string[] = []): ResolveAll {
  return async (host) => {
    calls.push(host);
    const addresses = names[host];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
}

function refusal(run: () => unknown): AddressRefusedError {
  try {
    run();
  } catch (error) {
    if (error instanceof AddressRefusedError) return error;
    throw error;
  }
  throw new Error('expected an AddressRefusedError');
}

async function refusalOf(promise: Promise<unknown>): Promise<AddressRefusedError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AddressRefusedError) return error;
    throw error;
  }
  throw new Error('expected an AddressRefusedError');
}

/** Connects a plain TCP socket with the guard's options; resolves with the peer address or rejects. */
function connectWith(guard: AddressGuard, host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let options;
    try {
      options = guard.connectOptions(host);
    } catch (error) {
      reject(error);
      return;
    }
    const socket = connect({ host, port, ...options });
    socket.once('connect', () => {
      const peer = socket.remoteAddress ?? '';
      socket.destroy();
      resolve(peer);
    });
    socket.once('error', reject);
  });
}

describe('net: AddressGuard (which destinations a caller-given URL may reach)', () => {
  it('refuses every non-public literal, with its kind, and lets public ones and allowed ones through', () => {
    const guard = new AddressGuard();
    for (const [address, kind] of [
      ['127.0.0.1', 'loopback'],
      ['10.1.2.3', 'private'],
      ['100.64.0.1', 'private'],
      ['fd12::1', 'private'],
      ['169.254.1.1', 'link-local'],
      ['169.254.169.254', 'metadata'],
      ['0.0.0.0', 'unspecified'],
      ['224.0.0.1', 'multicast'],
      ['240.0.0.1', 'reserved'],
      ['::ffff:127.0.0.1', 'loopback'],
    ]) {
      const error = refusal(() => guard.connectOptions(address!.includes(':') ? `[${address}]` : address!));
      expect(error.code, address).to.equal('ADDRESS_REFUSED');
      expect(error.reason, address).to.equal(`${kind === 'unspecified' ? 'an' : 'a'} ${kind} address`);
      expect(error.status).to.equal(400);
    }
    expect(guard.connectOptions('93.184.216.34')).to.deep.equal({});
    const allowed = new AddressGuard({ allow: ['127.0.0.0/8', 'fd00::/8'] });
    expect(allowed.connectOptions('127.0.0.5')).to.deep.equal({});
    expect(allowed.connectOptions('[fd12::1]')).to.deep.equal({});
    expect(refusal(() => allowed.connectOptions('10.0.0.1')).reason).to.equal('a private address');
  });

  it('refuses cloud metadata names before any lookup, unless the allow-list names them', async () => {
    const calls: string[] = [];
    const guard = new AddressGuard({ resolve: resolver({ 'metadata.google.internal': ['93.184.216.34'] }, calls) });
    for (const name of ['metadata.google.internal', 'Metadata.Google.Internal.', 'metadata', 'instance-data.ec2.internal']) {
      expect(refusal(() => guard.connectOptions(name)).reason, name).to.equal('a cloud metadata host');
      expect((await refusalOf(guard.inspect(name))).reason, name).to.equal('a cloud metadata host');
    }
    expect(calls).to.deep.equal([]);
    const allowed = new AddressGuard({ allow: ['metadata.google.internal'], resolve: resolver({ 'metadata.google.internal': ['169.254.169.254'] }) });
    expect((await allowed.inspect('metadata.google.internal')).addresses).to.deep.equal(['169.254.169.254']);
  });

  it('inspect judges every address a name resolves to now; a name that does not resolve is left to the connection', async () => {
    const guard = new AddressGuard({
      resolve: resolver({
        'public.test': ['93.184.216.34', '2606:4700::6810:85e5'],
        'mixed.test': ['93.184.216.34', '192.168.1.10'],
        'cgnat.test': ['100.64.0.1'],
        'mapped.test': ['::ffff:10.0.0.1'],
      }),
    });
    expect(await guard.inspect('public.test')).to.deep.equal({ host: 'public.test', resolved: true, addresses: ['93.184.216.34', '2606:4700::6810:85e5'] });
    for (const [name, kind] of [
      ['mixed.test', 'private'],
      ['cgnat.test', 'private'],
      ['mapped.test', 'private'],
    ]) {
      const error = await refusalOf(guard.inspect(name!));
      expect(error.reason, name).to.equal(`it resolves to a ${kind} address`);
      expect(error.message, name).to.equal(`refusing to connect to ${name}: it resolves to a ${kind} address`);
    }
    expect(await guard.inspect('nowhere.test')).to.deep.equal({ host: 'nowhere.test', resolved: false, addresses: [] });
    const slow = new AddressGuard({ resolve: () => new Promise(() => undefined) });
    expect(await slow.inspect('slow.test', { timeoutMs: 50 })).to.deep.equal({ host: 'slow.test', resolved: false, addresses: [] });
  });

  it('inspect refuses localhost through the system resolver', async () => {
    const error = await refusalOf(new AddressGuard().inspect('localhost'));
    expect(error.reason).to.equal('it resolves to a loopback address');
    expect((await new AddressGuard({ allow: ['localhost'] }).inspect('localhost')).resolved).to.equal(true);
  });

  describe('the lookup a socket connects through', () => {
    let server: Server;
    let port: number;
    before(async () => {
      server = createServer((_request, response) => response.end('ok'));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
    });
    after(async () => new Promise<void>((resolve) => server.close(() => resolve())));

    it('connects to the address it checked, resolving the name once; a name resolving to a refused address never connects', async () => {
      const calls: string[] = [];
      const names: Record<string, string[]> = { 'hook.test': ['127.0.0.1'] };
      const guard = new AddressGuard({ allow: ['127.0.0.1'], resolve: resolver(names, calls) });
      expect(await connectWith(guard, 'hook.test', port)).to.equal('127.0.0.1');
      expect(calls).to.deep.equal(['hook.test']);
      // The name now answers with another loopback address, not allowed (a rebinding): refused at connect.
      names['hook.test'] = ['127.0.0.2'];
      const error = await refusalOf(connectWith(guard, 'hook.test', port));
      expect(error.reason).to.equal('it resolves to a loopback address');
      expect(calls).to.deep.equal(['hook.test', 'hook.test']);
      const strict = new AddressGuard({ resolve: resolver({ 'hook.test': ['127.0.0.1'] }) });
      expect((await refusalOf(connectWith(strict, 'hook.test', port))).host).to.equal('hook.test');
    });

    it('one refused address among several refuses the name (no fallback to a public one)', async () => {
      const guard = new AddressGuard({ allow: ['127.0.0.1'], resolve: resolver({ 'two.test': ['127.0.0.1', '10.9.8.7'] }) });
      expect((await refusalOf(connectWith(guard, 'two.test', port))).reason).to.equal('it resolves to a private address');
    });
  });
});
