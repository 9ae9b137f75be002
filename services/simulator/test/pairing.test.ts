import { expect } from 'chai';
import { createSimulator, type Simulator } from '../src/index';
import { TestClient, pairClient } from './helpers/baileys-client';

describe('pairing and login (real Baileys)', () => {
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

  it('shows a QR, pairs on scan, restarts with 515 and logs in with the saved creds', async () => {
    const client = newClient();
    client.connect();
    const qr = await client.waitForQr();
    expect(qr.split(',')).to.have.length(4);
    const pending = simulator.pendingQrs();
    expect(pending).to.have.length(1);
    expect(qr.startsWith(pending[0]!.qrPrefix)).to.equal(true);

    const closed = client.waitForClose();
    const result = await simulator.scan(qr, '15550001111');
    expect(result).to.include({ phone: '15550001111', deviceId: 1 });
    expect(await closed).to.equal(515);
    expect(client.creds.me?.id).to.equal('15550001111:1@s.whatsapp.net');

    client.connect();
    await client.waitForOpen();
    const account = simulator.account('15550001111');
    expect(account.connections).to.equal(1);
    expect(account.deviceList[0]!.preKeys).to.be.greaterThan(0);
    expect(simulator.pendingQrs()).to.have.length(0);
  });

  it('reconnects with saved creds without a new scan', async () => {
    const client = newClient();
    await pairClient(client, (qr, phone) => simulator.scan(qr, phone), '15550002222');
    const firstQr = client.lastQr;
    client.end();
    client.connect();
    await client.waitForOpen();
    expect(client.lastQr).to.equal(firstQr); // no new QR was shown
    expect(simulator.pendingQrs()).to.have.length(0);
    expect(simulator.account('15550002222')).to.include({ logins: 2, devices: 1, connections: 1 });
  });
});
