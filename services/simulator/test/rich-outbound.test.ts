import { createHash, randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { generateWAMessage, toBuffer, toReadable } from 'baileys';
import type { WAMediaUploadFunction, WAMessage } from 'baileys';
import { SimulatorClient, SimulatorClientError, createSimulator, type Simulator } from '../src/index';
import { TestClient, pairClient, silentBaileysLogger } from './helpers/baileys-client';
import { httpsRequest } from './helpers/https';

const PHONE = '15550006601';
const CONTACT = '15559996601';
const CONTACT_JID = `${CONTACT}@s.whatsapp.net`;
const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/** Every kind of message plain Baileys sends is decrypted by the recipient's phone and recorded by type. */
describe('outbound messages of every type (real Baileys)', function () {
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

  /** Sends, waits for the delivery receipt, returns the sent log entry. */
  async function sendAndRecord(message: Promise<WAMessage>): Promise<ReturnType<Simulator['sent']>[number]> {
    const sent = await message;
    await client.waitForUpdate((update) => update.key.id === sent.key.id && update.update.status === 3);
    return simulator.sent(PHONE).find((record) => record.id === sent.key.id)!;
  }

  it('hands out its HTTPS media host and an upload token in media_conn', async () => {
    const conn = await client.sock!.refreshMediaConn(true);
    expect(conn.hosts.map((host) => host.hostname)).to.deep.equal([simulator.urls!.mediaUrl.replace('https://', '')]);
    expect(conn.auth).to.be.a('string').with.length.above(20);
    expect(conn.ttl).to.be.above(0);
  });

  it('records text with mentions, and a reply with its quoted id', async () => {
    const first = await client.send(CONTACT_JID, { text: 'hi @15559990002', mentions: ['15559990002@s.whatsapp.net'] });
    const record = await sendAndRecord(Promise.resolve(first));
    expect(record).to.deep.include({ type: 'text', text: 'hi @15559990002', mentions: ['15559990002@s.whatsapp.net'] });
    const reply = await sendAndRecord(client.send(CONTACT_JID, { text: 'a reply' }, { quoted: first }));
    expect(reply).to.deep.include({ type: 'text', text: 'a reply', quotedId: first.key.id, quotedParticipant: `${PHONE}@s.whatsapp.net` });
  });

  it('uploads each media type over HTTPS; the simulator verifies it and keeps the exact bytes', async () => {
    const cases = [
      { content: { image: randomBytes(30_000), caption: 'a photo' }, type: 'image', mimetype: 'image/jpeg', caption: 'a photo' },
      { content: { video: randomBytes(50_000), caption: 'a clip', seconds: 4 }, type: 'video', mimetype: 'video/mp4', caption: 'a clip' },
      { content: { audio: randomBytes(9_000), mimetype: 'audio/mp4', seconds: 3 }, type: 'audio', mimetype: 'audio/mp4' },
      { content: { audio: randomBytes(7_000), ptt: true, seconds: 2 }, type: 'ptt', mimetype: 'audio/ogg; codecs=opus' },
      {
        content: { document: randomBytes(2 * 1024 * 1024 + 5), mimetype: 'application/pdf', fileName: 'report.pdf', caption: 'Q3' },
        type: 'document',
        mimetype: 'application/pdf',
        caption: 'Q3',
        fileName: 'report.pdf',
      },
      { content: { sticker: randomBytes(4_000) }, type: 'sticker', mimetype: 'image/webp' },
    ] as const;
    for (const { content, type, mimetype, ...extra } of cases) {
      const bytes = Object.values(content).find(Buffer.isBuffer) as Buffer;
      const record = await sendAndRecord(client.send(CONTACT_JID, content as never));
      expect(record.type, type).to.equal(type);
      expect(record.media, type).to.deep.include({ type, mimetype, size: bytes.length, sha256: sha256(bytes), verified: true, ...extra });
      expect((await simulator.sentMedia(PHONE, record.id)).equals(bytes), type).to.equal(true);
    }
    const document = simulator.sent(PHONE).find((record) => record.type === 'document')!;
    expect((await admin.sentMedia(PHONE, document.id)).equals(await simulator.sentMedia(PHONE, document.id))).to.equal(true);
    expect(simulator.account(PHONE)).to.include({ mediaUploads: cases.length, mediaFailures: 0 });
  });

  it('records location, contact, reaction, edit and revoke with their fields', async () => {
    const target = await client.send(CONTACT_JID, { text: 'to be edited' });
    await sendAndRecord(Promise.resolve(target));
    const location = await sendAndRecord(client.send(CONTACT_JID, { location: { degreesLatitude: 52.52, degreesLongitude: 13.405, name: 'Berlin' } }));
    expect(location).to.deep.include({ type: 'location', location: { latitude: 52.52, longitude: 13.405, name: 'Berlin' } });
    const vcard = 'BEGIN:VCARD\nVERSION:3.0\nFN:Ann\nTEL;waid=15559990009:+15559990009\nEND:VCARD';
    const contact = await sendAndRecord(client.send(CONTACT_JID, { contacts: { displayName: 'Ann', contacts: [{ displayName: 'Ann', vcard }] } }));
    expect(contact).to.deep.include({ type: 'contact', contact: { displayName: 'Ann', vcard } });
    const reaction = await sendAndRecord(client.send(CONTACT_JID, { react: { text: '👍', key: target.key } }));
    expect(reaction).to.deep.include({ type: 'reaction', reaction: { targetId: target.key.id, emoji: '👍' } });
    const unreact = await sendAndRecord(client.send(CONTACT_JID, { react: { text: '', key: target.key } }));
    expect(unreact.reaction).to.deep.equal({ targetId: target.key.id, emoji: '' });
    const edit = await sendAndRecord(client.send(CONTACT_JID, { text: 'edited text', edit: target.key }));
    expect(edit).to.deep.include({ type: 'edit', edit: { targetId: target.key.id, text: 'edited text' } });
    const revoke = await sendAndRecord(client.send(CONTACT_JID, { delete: target.key }));
    expect(revoke).to.deep.include({ type: 'revoke', revoke: { targetId: target.key.id } });
    const byType = simulator.accounts().find((account) => account.phone === PHONE)!.sentByType;
    expect(byType).to.include({ location: 1, contact: 1, reaction: 2, edit: 1, revoke: 1, image: 1, ptt: 1, sticker: 1 });
  });

  it('reports media it cannot verify (wrong media key: mac; tampered blob: hash) and serves no bytes for it', async () => {
    const sock = client.sock!;
    const wrongKey = await generateWAMessage(
      CONTACT_JID,
      { image: randomBytes(5_000) },
      { upload: sock.waUploadToServer, userJid: sock.user!.id, logger: silentBaileysLogger as never },
    );
    wrongKey.message!.imageMessage!.mediaKey = randomBytes(32);
    const macRecord = await sendAndRecord(sock.relayMessage(CONTACT_JID, wrongKey.message!, { messageId: wrongKey.key.id! }).then(() => wrongKey));
    expect(macRecord.media).to.deep.include({ type: 'image', verified: false, sha256: null });
    expect(macRecord.media!.error).to.match(/^mac does not match/);

    const tamper: WAMediaUploadFunction = async (stream, options) => {
      const bytes = await toBuffer(stream);
      bytes[100] = bytes[100]! ^ 0xff;
      return sock.waUploadToServer(toReadable(bytes), { ...options, fileEncSha256B64: createHash('sha256').update(bytes).digest('base64') });
    };
    const tampered = await sendAndRecord(
      client.send(CONTACT_JID, { document: randomBytes(3_000), fileName: 'x.bin', mimetype: 'application/octet-stream' }, { upload: tamper } as never),
    );
    expect(tampered.media).to.deep.include({ type: 'document', verified: false, error: 'fileEncSha256 does not match the blob', fileName: 'x.bin' });

    expect(simulator.account(PHONE).mediaFailures).to.equal(2);
    expect(simulator.stats().mediaFailures).to.equal(2);
    try {
      await admin.sentMedia(PHONE, macRecord.id);
      expect.fail('expected MEDIA_NOT_FOUND');
    } catch (error) {
      expect(error).to.be.instanceOf(SimulatorClientError);
      expect(error).to.include({ status: 404, code: 'MEDIA_NOT_FOUND' });
    }
  });

  it('refuses uploads without a live token or whose body does not match its hash, and serves ranges', async () => {
    const { mediaUrl } = simulator.urls!;
    const body = randomBytes(64);
    const hash = createHash('sha256').update(body).digest('base64url');
    const noAuth = await httpsRequest(`${mediaUrl}/mms/image/${hash}?auth=nope&token=${hash}`, { method: 'POST', body });
    expect(noAuth.status).to.equal(401);
    const { auth } = await client.sock!.refreshMediaConn(false);
    const other = createHash('sha256').update('other').digest('base64url');
    const mismatch = await httpsRequest(`${mediaUrl}/mms/image/${other}?auth=${auth}&token=${other}`, { method: 'POST', body });
    expect(mismatch.status).to.equal(400);
    const ok = await httpsRequest(`${mediaUrl}/mms/document/${hash}?auth=${auth}&token=${hash}`, { method: 'POST', body });
    expect(ok.status).to.equal(200);
    const { url, direct_path: directPath } = JSON.parse(ok.body.toString()) as { url: string; direct_path: string };
    expect(url.startsWith(`${mediaUrl}${directPath}`)).to.equal(true);
    expect((await httpsRequest(url)).body.equals(body)).to.equal(true);
    const range = await httpsRequest(url, { headers: { range: 'bytes=10-19' } });
    expect(range.status).to.equal(206);
    expect(range.body.equals(body.subarray(10, 20))).to.equal(true);
    expect((await httpsRequest(`${mediaUrl}/v/t62.7118-24/${'0'.repeat(32)}.enc`)).status).to.equal(404);
    expect(simulator.stats().mediaUploadsRefused).to.equal(2);
  });
});
