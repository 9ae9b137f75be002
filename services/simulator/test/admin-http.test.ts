import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { ERROR_CODES, SimulatorClient, SimulatorClientError, createSimulator, type Simulator } from '../src/index';
import { TestClient, pairClient } from './helpers/baileys-client';

async function expectClientError(promise: Promise<unknown>, status: number, code: string): Promise<void> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(SimulatorClientError);
    expect((error as SimulatorClientError).status).to.equal(status);
    expect((error as SimulatorClientError).code).to.equal(code);
    return;
  }
  expect.fail(`expected ${status} ${code}`);
}

describe('admin HTTP API', () => {
  const PHONE = '15550004444';
  let simulator: Simulator;
  let admin: SimulatorClient;
  let baseUrl: string;
  let client: TestClient;

  before(async () => {
    simulator = createSimulator();
    const started = await simulator.start();
    admin = new SimulatorClient(started.adminUrl);
    baseUrl = started.adminUrl.replace(/\/admin$/, '');
    client = new TestClient(started.wsUrl);
    await pairClient(
      client,
      async (qr, phone) => {
        const [pending] = await admin.pendingQrs();
        expect(qr.startsWith(pending!.qrPrefix)).to.equal(true);
        return admin.scan(qr, phone);
      },
      PHONE,
    );
  });

  after(async () => {
    client.end();
    await simulator.close();
    await simulator.close(); // idempotent
  });

  it('reports health, accounts and stats', async () => {
    expect(await admin.health()).to.include({ status: 'ok', accounts: 1 });
    const [summary] = await admin.accounts();
    expect(summary).to.include({ phone: PHONE, devices: 1, connections: 1, maxConcurrent: 1, conflicts: 0 });
    const details = await admin.account(PHONE);
    expect(details.deviceList[0]).to.include({ id: 1, connected: true, appStateKeyShared: true });
    const stats = await admin.stats();
    expect(stats).to.include({ socketsOpen: 1, accounts: 1, conflicts: 0 });
  });

  it('round-trips a message through HTTP: incoming, sent, receipts', async () => {
    const { id } = await admin.incoming(PHONE, { from: '15559990100@s.whatsapp.net', text: 'via http' });
    await client.waitForUpsert((message) => message.key.id === id);
    const sent = await client.sock!.sendMessage('15559990100@s.whatsapp.net', { text: 'reply' });
    await client.waitForUpdate((update) => update.key.id === sent!.key.id && update.update.status === 3);
    const [record] = await admin.sent(PHONE);
    expect(record).to.include({ id: sent!.key.id, text: 'reply', to: '15559990100@s.whatsapp.net' });
    expect(await admin.sent(PHONE, Date.now() + 60_000)).to.deep.equal([]);
    await admin.receipts(PHONE, { messageIds: [sent!.key.id!], type: 'read' });
    await client.waitForUpdate((update) => update.key.id === sent!.key.id && update.update.status === 4);
  });

  it('lists companions waiting for a pairing code, and adds simulated users', async () => {
    expect(await admin.pendingLinkCodes()).to.deep.equal([]);
    expect(await admin.addUsers(['15559990200', '15559990201'])).to.deep.equal({ users: 2 });
    const known = await client.sock!.onWhatsApp('15559990200', '15559990299');
    expect(known).to.deep.equal([{ jid: '15559990200@s.whatsapp.net', exists: true }]);
  });

  it('sets, reports and clears faults', async () => {
    const { faults } = await admin.faults(PHONE, { delayMs: 5, rateLimitSends: false });
    expect(faults).to.include({ delayMs: 5, dropPings: false });
    expect((await admin.account(PHONE)).faults.delayMs).to.equal(5);
    expect(await admin.clearFaults(PHONE)).to.include({ delayMs: 0 });
    expect(await admin.settings(PHONE, { autoReadMs: 10 })).to.deep.equal({ autoReadMs: 10 });
    expect(await admin.settings(PHONE, { autoReadMs: null })).to.deep.equal({ autoReadMs: null });
  });

  it('answers bad input with clear 4xx JSON errors', async () => {
    await expectClientError(admin.account('12345678'), 404, 'ACCOUNT_NOT_FOUND');
    await expectClientError(admin.account('not-a-phone'), 400, 'BAD_REQUEST');
    await expectClientError(admin.scan('a,b,c,d', PHONE), 404, 'QR_NOT_FOUND');
    await expectClientError(admin.scan('nonsense', PHONE), 400, 'QR_INVALID');
    await expectClientError(admin.scan('a,b,c,d', '+1 555'), 400, 'BAD_REQUEST');
    await expectClientError(admin.incoming(PHONE, { from: 'bob', text: 'x' }), 400, 'BAD_REQUEST');
    await expectClientError(admin.incoming(PHONE, { from: '15559990100', text: '' }), 400, 'BAD_REQUEST');
    await expectClientError(admin.receipts(PHONE, { messageIds: ['nope'], type: 'read' }), 404, 'MESSAGE_NOT_FOUND');
    await expectClientError(admin.receipts(PHONE, { messageIds: [], type: 'read' }), 400, 'BAD_REQUEST');
    await expectClientError(admin.faults(PHONE, { delayMs: -1 }), 400, 'BAD_REQUEST');
    await expectClientError(admin.faults(PHONE, { disconnect: 999 } as never), 400, 'BAD_REQUEST');
    await expectClientError(admin.faults(PHONE, { bogus: true } as never), 400, 'BAD_REQUEST');
    await expectClientError(admin.enterLinkCode(PHONE, 'ABCDEFGH'), 404, 'LINK_CODE_NOT_FOUND');
    await expectClientError(admin.enterLinkCode(PHONE, 'nope'), 400, 'BAD_REQUEST');
    await expectClientError(admin.addUsers([]), 400, 'BAD_REQUEST');

    const badJson = await fetch(`${baseUrl}/admin/scan`, { method: 'POST', body: '{nope', headers: { 'content-type': 'application/json' } });
    expect(badJson.status).to.equal(400);
    expect(await badJson.json()).to.have.nested.property('error.code', 'BAD_REQUEST');
    const missing = await fetch(`${baseUrl}/admin/nothing`);
    expect(missing.status).to.equal(404);
  });

  it('documents every error code in the README', () => {
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
    for (const code of ERROR_CODES) expect(readme, code).to.contain(`\`${code}\``);
  });
});
