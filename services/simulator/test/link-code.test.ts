import { expect } from 'chai';
import { createSimulator, type Simulator } from '../src/index';
import { SimulatorError } from '../src/errors';
import { TestClient, pairClient } from './helpers/baileys-client';

/** Linking by pairing code ("Link with phone number") with real Baileys: requestPairingCode, the phone enters it. */
describe('linking by pairing code (real Baileys)', function () {
  this.timeout(60_000);
  let simulator: Simulator;
  let wsUrl: string;
  const clients: TestClient[] = [];
  const newClient = (): TestClient => {
    const client = new TestClient(wsUrl);
    clients.push(client);
    return client;
  };

  before(async () => {
    simulator = createSimulator();
    wsUrl = (await simulator.start()).wsUrl;
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.end();
  });
  after(async () => {
    await simulator.close();
  });

  /** A registering client that asked for a code for `phone`; resolves with the code once the server has its companion_hello. */
  async function requestCode(client: TestClient, phone: string): Promise<string> {
    client.connect();
    await client.waitForQr();
    const code = await client.sock!.requestPairingCode(phone);
    for (let i = 0; i < 100 && !simulator.pendingLinkCodes().some((entry) => entry.phone === phone); i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return code;
  }

  const rejection = async (promise: Promise<unknown>): Promise<SimulatorError> => {
    try {
      await promise;
    } catch (error) {
      return error as SimulatorError;
    }
    throw new Error('expected a rejection');
  };

  it('the phone enters the code: primary_hello, companion_finish, pair-success, 515, then a login with the saved creds', async () => {
    const client = newClient();
    const code = await requestCode(client, '15550003333');
    expect(code).to.match(/^[1-9A-HJ-NP-TV-Z]{8}$/);
    const pending = simulator.pendingLinkCodes().find((entry) => entry.phone === '15550003333');
    expect(pending?.ref).to.be.a('string');
    expect(pending?.platform).to.match(/\(/);
    const closed = client.waitForClose();
    const linked = await simulator.enterLinkCode('15550003333', `${code.slice(0, 4)}-${code.slice(4).toLowerCase()}`);
    expect(linked).to.include({ phone: '15550003333', deviceId: 1, jid: '15550003333:1@s.whatsapp.net' });
    expect(await closed).to.equal(515);
    expect(client.creds.me?.id).to.equal('15550003333:1@s.whatsapp.net');
    expect(client.creds.account).to.not.equal(undefined);
    expect(simulator.pendingLinkCodes()).to.deep.equal([]);
    client.connect();
    await client.waitForOpen();
    expect(simulator.account('15550003333')).to.include({ devices: 1, connections: 1 });
  });

  it('a wrong code links nothing (the key bundle does not decrypt); the right one still does afterwards', async () => {
    const client = newClient();
    const code = await requestCode(client, '15550004444');
    const wrong = code === '11111111' ? '22222222' : '11111111';
    const error = await rejection(simulator.enterLinkCode('15550004444', wrong));
    expect(error.code).to.equal('LINK_CODE_MISMATCH');
    expect(client.creds.account, 'not linked').to.equal(undefined);
    expect(client.isOpen).to.equal(false);
    expect(() => simulator.account('15550004444'), 'no device, no account').to.throw(/no such account/);
    const closed = client.waitForClose();
    await simulator.enterLinkCode('15550004444', code);
    expect(await closed).to.equal(515);
    expect(client.creds.me?.id).to.equal('15550004444:1@s.whatsapp.net');
  });

  it('refuses a code for a phone no companion waits for, and malformed codes', async () => {
    expect((await rejection(simulator.enterLinkCode('15550009999', 'ABCDEFGH'))).code).to.equal('LINK_CODE_NOT_FOUND');
    const client = newClient();
    await requestCode(client, '15550005555');
    for (const bad of ['ABC', 'ABCDEFGI', 12345678, '']) {
      expect((await rejection(simulator.enterLinkCode('15550005555', bad))).code, String(bad)).to.equal('BAD_REQUEST');
    }
  });

  it('answers usync contact queries (onWhatsApp) from the users it knows', async () => {
    const client = newClient();
    await pairClient(client, (qr, phone) => simulator.scan(qr, phone), '15550006666');
    simulator.addUsers({ phones: ['15550007777'] });
    const answer = await client.sock!.onWhatsApp('15550006666@s.whatsapp.net', '15550007777', '15550008888');
    expect(answer).to.deep.equal([
      { jid: '15550006666@s.whatsapp.net', exists: true },
      { jid: '15550007777@s.whatsapp.net', exists: true },
    ]);
  });
});
