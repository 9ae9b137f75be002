import { createHash, randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { proto } from 'baileys';
import type { WAMessage } from 'baileys';
import { SimulatorClient, SimulatorClientError, createSimulator, type IncomingRequest, type Simulator } from '../src/index';
import { TestClient, downloadMedia, pairClient } from './helpers/baileys-client';

const PHONE = '15550006701';
const CONTACT = '15559996701';
const CONTACT_JID = `${CONTACT}@s.whatsapp.net`;
const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/** Every kind of message the admin API delivers arrives at plain Baileys' messages.upsert as WhatsApp sends it. */
describe('inbound messages of every type (real Baileys)', function () {
  this.timeout(30_000);
  let simulator: Simulator;
  let client: TestClient;
  let admin: SimulatorClient;

  before(async () => {
    simulator = createSimulator();
    const started = await simulator.start();
    admin = new SimulatorClient(started.adminUrl);
    client = new TestClient(started.wsUrl);
    await pairClient(client, (qr, phone) => simulator.scan(qr, phone), PHONE);
  });

  after(async () => {
    client.end();
    await simulator.close();
  });

  async function receive(request: IncomingRequest): Promise<WAMessage> {
    const { id } = await simulator.incoming(PHONE, request);
    return client.waitForUpsert((message) => message.key.id === id);
  }

  it('delivers a text that replies to an earlier message and mentions the account', async () => {
    const first = await receive({ from: CONTACT, text: 'first' });
    const reply = await receive({ from: CONTACT, text: 'hey @me', replyTo: { id: first.key.id! }, mentions: [PHONE] });
    const context = reply.message?.extendedTextMessage?.contextInfo;
    expect(reply.message?.extendedTextMessage?.text).to.equal('hey @me');
    expect(context).to.deep.include({ stanzaId: first.key.id, participant: CONTACT_JID, mentionedJid: [`${PHONE}@s.whatsapp.net`] });
    expect(context?.quotedMessage?.conversation).to.equal('first');
  });

  it('delivers each media type; plain Baileys downloads it over HTTPS byte-identical', async () => {
    const cases: Array<{ request: IncomingRequest; field: keyof proto.IMessage }> = [
      { request: { type: 'image', from: CONTACT, size: 40_000, caption: 'look' }, field: 'imageMessage' },
      { request: { type: 'video', from: CONTACT, size: 70_001, mimetype: 'video/mp4', seconds: 9 }, field: 'videoMessage' },
      { request: { type: 'audio', from: CONTACT, size: 5_000, mimetype: 'audio/mpeg' }, field: 'audioMessage' },
      { request: { type: 'ptt', from: CONTACT, size: 3_000, seconds: 2 }, field: 'audioMessage' },
      {
        request: { type: 'document', from: CONTACT, data: randomBytes(100_003).toString('base64'), fileName: 'invoice.pdf', caption: 'pay' },
        field: 'documentMessage',
      },
      { request: { type: 'sticker', from: CONTACT, size: 2_000 }, field: 'stickerMessage' },
    ];
    for (const { request, field } of cases) {
      const result = await simulator.incoming(PHONE, request);
      const message = await client.waitForUpsert((candidate) => candidate.key.id === result.id);
      const content = message.message?.[field] as proto.Message.IImageMessage & { ptt?: boolean; fileName?: string };
      expect(content, request.type).to.not.equal(undefined);
      expect(content.url).to.equal(result.media!.url);
      expect(content.mimetype).to.equal(result.media!.mimetype);
      const bytes = await downloadMedia(message);
      expect(bytes.length, request.type).to.equal(result.media!.size);
      expect(sha256(bytes), request.type).to.equal(result.media!.sha256);
      if (request.data) expect(bytes.equals(Buffer.from(request.data, 'base64'))).to.equal(true);
      if (request.type === 'ptt') expect(content.ptt).to.equal(true);
      if (request.type === 'audio') expect(content.ptt).to.equal(false);
      if (request.caption) expect(content.caption).to.equal(request.caption);
      if (request.fileName) expect(content.fileName).to.equal(request.fileName);
    }
  });

  it('delivers a location and a contact card', async () => {
    const location = await receive({ type: 'location', from: CONTACT, location: { latitude: -33.86, longitude: 151.21, name: 'Sydney' } });
    expect(location.message?.locationMessage).to.deep.include({ degreesLatitude: -33.86, degreesLongitude: 151.21, name: 'Sydney' });
    const contact = await receive({ type: 'contact', from: CONTACT, contact: { displayName: 'Bob', phone: '15559990077' } });
    expect(contact.message?.contactMessage?.displayName).to.equal('Bob');
    expect(contact.message?.contactMessage?.vcard).to.contain('waid=15559990077:+15559990077');
  });

  it('delivers a reaction to a message the account sent (fromMe target) and its removal', async () => {
    const sent = await client.send(CONTACT_JID, { text: 'react to me' });
    await client.waitForUpdate((update) => update.key.id === sent.key.id && update.update.status === 3);
    const reaction = await receive({ type: 'reaction', from: CONTACT, targetId: sent.key.id!, emoji: '❤️' });
    expect(reaction.message?.reactionMessage).to.deep.include({ text: '❤️' });
    expect(reaction.message?.reactionMessage?.key).to.deep.include({ id: sent.key.id, fromMe: true, remoteJid: CONTACT_JID });
    const removed = await receive({ type: 'reaction', from: CONTACT, targetId: sent.key.id!, emoji: '' });
    expect(removed.message?.reactionMessage?.text).to.equal('');
  });

  it('delivers an edit and a revoke of an earlier inbound message as protocol messages', async () => {
    const original = await receive({ from: CONTACT, text: 'tpyo' });
    const edit = await receive({ type: 'edit', from: CONTACT, targetId: original.key.id!, text: 'typo' });
    const editProtocol = edit.message?.protocolMessage;
    expect(editProtocol?.type).to.equal(proto.Message.ProtocolMessage.Type.MESSAGE_EDIT);
    expect(editProtocol?.key?.id).to.equal(original.key.id);
    expect(editProtocol?.editedMessage?.conversation).to.equal('typo');
    await client.waitForUpdate((update) => update.key.id === original.key.id && !!update.update.message?.editedMessage);
    const revoke = await receive({ type: 'revoke', from: CONTACT, targetId: original.key.id! });
    expect(revoke.message?.protocolMessage?.type).to.equal(proto.Message.ProtocolMessage.Type.REVOKE);
    expect(revoke.message?.protocolMessage?.key?.id).to.equal(original.key.id);
    await client.waitForUpdate((update) => update.key.id === original.key.id && update.update.message === null);
  });

  it("delivers a message the account's own phone sent (fromMe) with the contact as remoteJid", async () => {
    const mine = await receive({ fromMe: true, to: CONTACT, text: 'sent from my phone' });
    expect(mine.key).to.deep.include({ fromMe: true, remoteJid: CONTACT_JID });
    expect(mine.message?.conversation).to.equal('sent from my phone');
    const image = await simulator.incoming(PHONE, { type: 'image', fromMe: true, to: CONTACT, size: 1_000 });
    const upsert = await client.waitForUpsert((message) => message.key.id === image.id);
    expect(upsert.key.fromMe).to.equal(true);
    expect(sha256(await downloadMedia(upsert))).to.equal(image.media!.sha256);
    const edit = await receive({ type: 'edit', fromMe: true, to: CONTACT, targetId: mine.key.id!, text: 'edited on my phone' });
    expect(edit.key.fromMe).to.equal(true);
    expect(edit.message?.protocolMessage?.editedMessage?.conversation).to.equal('edited on my phone');
  });

  it('delivers over HTTP too, and refuses bad requests with named fields', async () => {
    const { id, media } = await admin.incoming(PHONE, {
      type: 'document',
      from: CONTACT,
      data: Buffer.from('%PDF-1.4 tiny').toString('base64'),
      fileName: 'a.pdf',
    });
    const message = await client.waitForUpsert((candidate) => candidate.key.id === id);
    expect((await downloadMedia(message)).toString()).to.equal('%PDF-1.4 tiny');
    expect(media?.size).to.equal(13);
    const own = await client.send(CONTACT_JID, { text: 'only I may edit this' });
    await client.waitForUpdate((update) => update.key.id === own.key.id && update.update.status === 3);
    const refused: Array<[IncomingRequest, string]> = [
      [{ type: 'image', from: CONTACT }, 'data'],
      [{ type: 'image', from: CONTACT, size: 10, data: 'AAAA' }, 'data'],
      [{ type: 'text', from: CONTACT, text: 'x', caption: 'no' }, 'fields'],
      [{ type: 'bogus' as never, from: CONTACT }, 'type'],
      [{ type: 'reaction', from: CONTACT, emoji: '👍' }, 'targetId'],
      [{ fromMe: true, text: 'where to?' }, 'to'],
      [{ fromMe: true, from: CONTACT, to: CONTACT, text: 'x' }, 'from'],
      [{ type: 'location', from: CONTACT, location: { latitude: 91, longitude: 0 } }, 'location.latitude'],
      [{ type: 'edit', from: '15559996702', targetId: id, text: 'another chat' }, 'targetId'],
      [{ type: 'revoke', from: CONTACT, targetId: own.key.id! }, 'targetId'],
      [{ from: CONTACT, text: 'x', group: 'nope' }, 'group'],
    ];
    for (const [request, field] of refused) {
      try {
        await admin.incoming(PHONE, request);
        expect.fail(`expected a 400 for ${JSON.stringify(request)}`);
      } catch (error) {
        expect(error, JSON.stringify(request)).to.be.instanceOf(SimulatorClientError);
        expect((error as SimulatorClientError).status, JSON.stringify(request)).to.equal(400);
        const context = (error as SimulatorClientError).context ?? {};
        expect(context.field ?? (context.fields ? 'fields' : undefined), JSON.stringify(request)).to.equal(field);
      }
    }
    await expectStatus(admin.incoming(PHONE, { type: 'revoke', from: CONTACT, targetId: 'UNKNOWN' }), 404, 'MESSAGE_NOT_FOUND');
    await expectStatus(admin.incoming(PHONE, { from: CONTACT, text: 'x', group: '120363000000000001' }), 404, 'GROUP_NOT_FOUND');
  });
});

async function expectStatus(promise: Promise<unknown>, status: number, code: string): Promise<void> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.include({ status, code });
    return;
  }
  expect.fail(`expected ${status} ${code}`);
}
