import { createHash, randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { BufferJSON } from 'baileys';
import type { MessageUserReceiptUpdate } from 'baileys';
import { SimulatorClient, createSimulator, type GroupInfo, type Simulator } from '../src/index';
import { TestClient, downloadMedia, pairClient } from './helpers/baileys-client';

const PHONE = '15550006801';
const ANN = '15559996801';
const BOB = '15559996802';
const jid = (phone: string): string => `${phone}@s.whatsapp.net`;
const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

describe('groups (real Baileys)', function () {
  this.timeout(30_000);
  let simulator: Simulator;
  let admin: SimulatorClient;
  let client: TestClient;
  let group: GroupInfo;
  const receipts: MessageUserReceiptUpdate[] = [];

  before(async () => {
    simulator = createSimulator();
    const started = await simulator.start();
    admin = new SimulatorClient(started.adminUrl);
    client = new TestClient(started.wsUrl);
    await pairClient(client, (qr, phone) => simulator.scan(qr, phone), PHONE);
    client.sock!.ev.on('message-receipt.update', (updates) => receipts.push(...updates));
    group = await admin.createGroup({ subject: 'Team', participants: [PHONE, ANN, BOB], admins: [ANN] });
  });

  after(async () => {
    client.end();
    await simulator.close();
  });

  it('answers group metadata in the shape Baileys reads', async () => {
    expect(group.id).to.match(/^120363\d{12}@g\.us$/);
    const metadata = await client.sock!.groupMetadata(group.id);
    expect(metadata).to.include({ id: group.id, subject: 'Team', owner: jid(PHONE), size: 3 });
    expect(metadata.participants).to.deep.equal([
      { id: jid(PHONE), admin: 'superadmin' },
      { id: jid(ANN), admin: 'admin' },
      { id: jid(BOB), admin: null },
    ]);
    expect(Object.keys(await client.sock!.groupFetchAllParticipating())).to.deep.equal([group.id]);
    expect(await admin.group(group.id.split('@')[0]!)).to.deep.equal(group);
    expect(simulator.groups()).to.have.length(1);
    const other = simulator.createGroup({ subject: 'Not mine', participants: [ANN, BOB] });
    await expectRejection(client.sock!.groupMetadata(other.id));
    await expectRejection(client.sock!.groupMetadata('120363999999999999@g.us'));
  });

  it("has every participant decrypt the account's group messages (sender key, then skmsg), and reports receipts per participant", async () => {
    const first = await client.send(group.id, { text: 'hello team' });
    await waitUntil(() => simulator.sent(PHONE).find((record) => record.id === first.key.id)?.status === 'delivered');
    expect(simulator.sent(PHONE).find((record) => record.id === first.key.id)).to.deep.include({ to: group.id, type: 'text', text: 'hello team' });
    await waitUntil(() => receipts.filter((update) => update.key.id === first.key.id).length === 2);
    expect(
      receipts
        .filter((update) => update.key.id === first.key.id)
        .map((update) => update.receipt.userJid)
        .sort(),
    ).to.deep.equal([jid(ANN), jid(BOB)]);

    const image = randomBytes(12_345);
    const second = await client.send(group.id, { image, caption: 'whiteboard' });
    await waitUntil(() => simulator.sent(PHONE).find((record) => record.id === second.key.id)?.status === 'delivered');
    const record = simulator.sent(PHONE).find((candidate) => candidate.id === second.key.id)!;
    expect(record.media).to.deep.include({ type: 'image', verified: true, caption: 'whiteboard', sha256: sha256(image) });
    expect(record.undecryptedBy).to.equal(undefined);
    expect((await simulator.sentMedia(PHONE, record.id)).equals(image)).to.equal(true);
    expect(simulator.account(PHONE).decryptFailures).to.equal(0);
  });

  it("delivers a participant's group messages (its sender key once, then skmsg), replies and media among them", async () => {
    const hello = await simulator.incoming(PHONE, { group: group.id, from: ANN, text: 'hi all', pushName: 'Ann' });
    const first = await client.waitForUpsert((message) => message.key.id === hello.id);
    expect(first.key).to.deep.include({ remoteJid: group.id, participant: jid(ANN), fromMe: false });
    expect(first.message?.conversation).to.equal('hi all');
    expect(first.pushName).to.equal('Ann');

    const photo = await simulator.incoming(PHONE, { type: 'image', group: group.id, from: ANN, size: 8_000 });
    const second = await client.waitForUpsert((message) => message.key.id === photo.id);
    expect(first.message?.senderKeyDistributionMessage?.groupId).to.equal(group.id);
    expect(second.message?.senderKeyDistributionMessage ?? undefined).to.equal(undefined);
    expect(sha256(await downloadMedia(second))).to.equal(photo.media!.sha256);

    const answer = await simulator.incoming(PHONE, { group: group.id, from: BOB, text: 'hi Ann', replyTo: { id: hello.id } });
    const reply = await client.waitForUpsert((message) => message.key.id === answer.id);
    expect(reply.key.participant).to.equal(jid(BOB));
    expect(reply.message?.extendedTextMessage?.contextInfo).to.deep.include({ stanzaId: hello.id, participant: jid(ANN) });

    const mine = simulator.sent(PHONE)[0]!;
    const like = await simulator.incoming(PHONE, { type: 'reaction', group: group.id, from: BOB, targetId: mine.id, emoji: '👍' });
    const reaction = await client.waitForUpsert((message) => message.key.id === like.id);
    expect(reaction.message?.reactionMessage?.key).to.deep.include({ id: mine.id, fromMe: true, remoteJid: group.id });
  });

  it("delivers the account's own phone's group message as fromMe, and refuses non-participants", async () => {
    const own = await simulator.incoming(PHONE, { group: group.id, fromMe: true, text: 'from my phone' });
    const message = await client.waitForUpsert((candidate) => candidate.key.id === own.id);
    expect(message.key).to.deep.include({ remoteJid: group.id, fromMe: true, participant: jid(PHONE) });
    expect(message.message?.conversation).to.equal('from my phone');
    try {
      await admin.incoming(PHONE, { group: group.id, from: '15559996899', text: 'intruder' });
      expect.fail('expected a 400');
    } catch (error) {
      expect(error).to.include({ status: 400, code: 'BAD_REQUEST' });
    }
  });

  it('counts a reused sender-key iteration as a decrypt failure, asks again from the group, and settles on the resend', async () => {
    const phone = '15550006802';
    const strict = new TestClient(simulator.urls!.wsUrl);
    await pairClient(strict, (qr, p) => simulator.scan(qr, p), phone, { answerRetries: true });
    const team = simulator.createGroup({ subject: 'Strict', participants: [phone, ANN, BOB] });
    const warm = await strict.send(team.id, { text: 'warm up' });
    await waitUntil(() => simulator.sent(phone).find((record) => record.id === warm.key.id)?.status === 'delivered');
    const keyName = `${team.id}::${phone}::1`;
    // the stored record is the live object libsignal mutates: keep a deep copy
    const stored = strict.keys.get('sender-key', [keyName])[keyName];
    expect(stored).to.not.equal(undefined);
    const snapshot = JSON.parse(JSON.stringify(stored, BufferJSON.replacer), BufferJSON.reviver) as typeof stored;
    const first = await strict.send(team.id, { text: 'first' });
    await waitUntil(() => simulator.sent(phone).find((record) => record.id === first.key.id)?.status === 'delivered');
    strict.keys.set({ 'sender-key': { [keyName]: snapshot! } });
    const again = await strict.send(team.id, { text: 'same iteration' });
    await waitUntil(() => simulator.account(phone).retryReceipts >= 2);
    expect(simulator.account(phone).decryptFailures).to.be.at.least(1);
    await waitUntil(() => simulator.sent(phone).find((record) => record.id === again.key.id)?.text === 'same iteration');
    const record = simulator.sent(phone).find((candidate) => candidate.id === again.key.id)!;
    expect(record.undecryptedBy).to.equal(undefined);
    expect(record.copies).to.be.at.least(2); // one resend per participant that asked, as Baileys answers each retry receipt
    strict.end();
  });
});

async function expectRejection(promise: Promise<unknown>): Promise<void> {
  try {
    await promise;
  } catch {
    return;
  }
  expect.fail('expected a rejection');
}

async function waitUntil(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
