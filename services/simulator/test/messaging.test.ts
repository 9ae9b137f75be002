import { expect } from 'chai';
import { createSimulator, type Simulator } from '../src/index';
import { TestClient, pairClient } from './helpers/baileys-client';

const PHONE = '15550003333';
const CONTACT = '15559990001';

describe('messaging (real Baileys)', () => {
  let simulator: Simulator;
  let client: TestClient;

  before(async () => {
    simulator = createSimulator();
    const { wsUrl } = await simulator.start();
    client = new TestClient(wsUrl);
    await pairClient(client, (qr, phone) => simulator.scan(qr, phone), PHONE);
  });

  after(async () => {
    client.end();
    await simulator.close();
  });

  it('decrypts exactly the text the client sent, then reports delivered and read', async () => {
    const sent = await client.sock!.sendMessage(`${CONTACT}@s.whatsapp.net`, { text: 'hello from fleet ✓' });
    const id = sent!.key.id!;
    await client.waitForUpdate((update) => update.key.id === id && update.update.status === 3);
    const messages = simulator.sent(PHONE);
    expect(messages).to.have.length(1);
    expect(messages[0]).to.include({ id, to: `${CONTACT}@s.whatsapp.net`, text: 'hello from fleet ✓', status: 'delivered' });

    simulator.receipts(PHONE, { messageIds: [id], type: 'read' });
    await client.waitForUpdate((update) => update.key.id === id && update.update.status === 4);
    expect(simulator.sent(PHONE)[0]!.status).to.equal('read');
  });

  it('keeps decrypting follow-up messages on the established session', async () => {
    const second = await client.sock!.sendMessage(`${CONTACT}@s.whatsapp.net`, { text: 'second' });
    await client.waitForUpdate((update) => update.key.id === second!.key.id && update.update.status === 3);
    expect(simulator.sent(PHONE).map((message) => message.text)).to.deep.equal(['hello from fleet ✓', 'second']);
  });

  it('delivers an encrypted incoming message to messages.upsert', async () => {
    const { id, outcome } = await simulator.incoming(PHONE, { from: CONTACT, text: 'hi there', pushName: 'Ann' });
    expect(outcome).to.equal('delivered');
    const message = await client.waitForUpsert((candidate) => candidate.key.id === id);
    expect(message.key.remoteJid).to.equal(`${CONTACT}@s.whatsapp.net`);
    expect(message.key.fromMe).to.equal(false);
    expect(message.message?.conversation).to.equal('hi there');
    expect(message.pushName).to.equal('Ann');
  });

  it('delivers incoming messages from a new contact and on the plaintext path', async () => {
    const encrypted = await simulator.incoming(PHONE, { from: '15559990002', text: 'first contact' });
    const plain = await simulator.incoming(PHONE, { from: '15559990003', text: 'cheap', plaintext: true });
    const [first, second] = await Promise.all([
      client.waitForUpsert((candidate) => candidate.key.id === encrypted.id),
      client.waitForUpsert((candidate) => candidate.key.id === plain.id),
    ]);
    expect(first.message?.conversation).to.equal('first contact');
    expect(second.message?.conversation).to.equal('cheap');
  });

  it('replenishes pre-keys when the device runs low', async () => {
    const before = simulator.account(PHONE).deviceList[0]!.preKeys;
    const senders = Array.from({ length: before }, (_, i) => String(15558000000 + i));
    for (const from of senders) await simulator.incoming(PHONE, { from, text: `from ${from}` });
    const deadline = Date.now() + 5000;
    while (simulator.account(PHONE).deviceList[0]!.preKeys < 10 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(simulator.account(PHONE).deviceList[0]!.preKeys).to.be.at.least(10);
    await client.waitForUpsert((candidate) => candidate.message?.conversation === `from ${senders[senders.length - 1]}`);
  });

  it('sends automatic read receipts when the account asks for them', async () => {
    simulator.settings(PHONE, { autoReadMs: 20 });
    const sent = await client.sock!.sendMessage(`${CONTACT}@s.whatsapp.net`, { text: 'read me' });
    await client.waitForUpdate((update) => update.key.id === sent!.key.id && update.update.status === 4);
    simulator.settings(PHONE, { autoReadMs: null });
  });

  it('queues incoming messages while offline and delivers them at the next login', async () => {
    client.end();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const queued = await simulator.incoming(PHONE, { from: CONTACT, text: 'while you were away' });
    expect(queued.outcome).to.equal('queued');
    expect(simulator.account(PHONE).queuedIncoming).to.equal(1);
    client.connect();
    await client.waitForOpen();
    const message = await client.waitForUpsert((candidate) => candidate.key.id === queued.id);
    expect(message.message?.conversation).to.equal('while you were away');
    expect(simulator.account(PHONE).queuedIncoming).to.equal(0);

    const live = await simulator.incoming(PHONE, { from: CONTACT, text: 'and now live' });
    expect(live.outcome).to.equal('delivered');
    await client.waitForUpsert((candidate) => candidate.key.id === live.id);
  });
});
