import { expect } from 'chai';
import { createSimulator, type Simulator } from '../src/index';
import { TestClient, pairClient } from './helpers/baileys-client';

describe('faults (real Baileys)', () => {
  let simulator: Simulator;
  let wsUrl: string;
  const clients: TestClient[] = [];
  let nextPhone = 15551000000;

  const pairedClient = async (options: { keepAliveIntervalMs?: number } = {}): Promise<{ client: TestClient; phone: string }> => {
    const phone = String(nextPhone++);
    const client = new TestClient(wsUrl);
    clients.push(client);
    await pairClient(client, (qr, p) => simulator.scan(qr, p), phone, options);
    return { client, phone };
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

  for (const code of [428, 440, 515] as const) {
    it(`disconnect ${code} closes the client with ${code}, and it logs in again with its creds`, async () => {
      const { client, phone } = await pairedClient();
      const closed = client.waitForClose();
      expect(simulator.faults(phone, { disconnect: code }).disconnected).to.equal(1);
      expect(await closed).to.equal(code);
      client.connect();
      await client.waitForOpen();
      const account = simulator.account(phone);
      expect(account.conflicts).to.equal(0); // injected faults are not real conflicts
      expect(account.maxConcurrent).to.equal(1);
    });
  }

  it('disconnect 401 logs the device out: the same creds are refused with 401 until a new pairing', async () => {
    const { client, phone } = await pairedClient();
    const closed = client.waitForClose();
    simulator.faults(phone, { disconnect: 401 });
    expect(await closed).to.equal(401);
    expect(simulator.account(phone).devices).to.equal(0);
    client.connect();
    expect(await client.waitForClose()).to.equal(401);

    const fresh = new TestClient(wsUrl);
    clients.push(fresh);
    await pairClient(fresh, (qr, p) => simulator.scan(qr, p), phone);
    expect(fresh.creds.me?.id).to.equal(`${phone}:2@s.whatsapp.net`);
  });

  it('dropped pings make the client give up with 408', async function () {
    this.timeout(15_000);
    const { client, phone } = await pairedClient({ keepAliveIntervalMs: 1000 });
    simulator.faults(phone, { dropPings: true });
    expect(await client.waitForClose(12_000)).to.equal(408);
  });

  it('failLogin refuses the next login with that reason', async () => {
    const { client, phone } = await pairedClient();
    simulator.faults(phone, { failLogin: 503 });
    client.connect();
    expect(await client.waitForClose()).to.equal(503);
    simulator.clearFaults(phone);
    client.connect();
    await client.waitForOpen();
  });

  it('rate-limited sends get a 429 error ack and are not recorded', async () => {
    const { client, phone } = await pairedClient();
    simulator.faults(phone, { rateLimitSends: true });
    const sent = await client.sock!.sendMessage('15559990009@s.whatsapp.net', { text: 'too many' });
    const update = await client.waitForUpdate((candidate) => candidate.key.id === sent!.key.id && candidate.update.status === 0);
    expect(update.update.messageStubParameters).to.deep.equal(['429']);
    expect(simulator.sent(phone)).to.have.length(0);
    expect(simulator.stats().rateLimited).to.be.at.least(1);
  });

  it('delayMs holds every answer back', async () => {
    const { client, phone } = await pairedClient();
    simulator.faults(phone, { delayMs: 400 });
    const started = Date.now();
    const sent = await client.sock!.sendMessage('15559990010@s.whatsapp.net', { text: 'slow' });
    await client.waitForUpdate((candidate) => candidate.key.id === sent!.key.id && candidate.update.status === 3);
    // usync, pre-key bundle, then ack + receipt: at least three delayed round trips
    expect(Date.now() - started).to.be.at.least(1200);
    expect(simulator.sent(phone)[0]!.text).to.equal('slow');
  });

  it('counts a second concurrent login with the same creds and replaces the older socket with 440', async () => {
    const { client, phone } = await pairedClient();
    const twin = new TestClient(wsUrl, client);
    clients.push(twin);
    const firstClosed = client.waitForClose();
    twin.connect();
    await twin.waitForOpen();
    expect(await firstClosed).to.equal(440);
    const account = simulator.account(phone);
    expect(account).to.include({ maxConcurrent: 2, conflicts: 1, connections: 1 });
    const stats = simulator.stats();
    expect(stats.conflicts).to.be.at.least(1);
    expect(stats.perAccount.find((entry) => entry.phone === phone)).to.include({ maxConcurrent: 2, conflicts: 1 });
  });
});
