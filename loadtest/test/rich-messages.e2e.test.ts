import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { MEDIA_CA_PATH } from '@fleet/simulator';
import { cleanPrefix, freshPrefix, TEST_REDIS_URL, waitFor } from '@fleet/testing';
import { startLocalFleet, type LocalFleet } from '../src/harness/local-fleet';

const WORKSPACE = 41;
const PHONE = '15550414141';
const CONTACT = '15550424242';
const CONTACT_JID = `${CONTACT}@s.whatsapp.net`;
const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');
const CERTS = path.dirname(MEDIA_CA_PATH);

/** An https server on loopback (the simulator's test certificate) serving `files` by path; others 404. */
async function mediaServer(files: Record<string, { body: Buffer; type: string }>): Promise<{ server: Server; url: string }> {
  const server = createServer({ cert: readFileSync(path.join(CERTS, 'server.pem')), key: readFileSync(path.join(CERTS, 'server-key.pem')) }, (req, res) => {
    const file = files[req.url ?? ''];
    if (!file) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': file.type, 'content-length': file.body.length }).end(req.method === 'HEAD' ? undefined : file.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `https://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/**
 * Every kind of message Fleet sends and receives besides media, end to end: the API, the worker's
 * real Baileys socket, the simulator's recipients (which decrypt and record each by type), and the
 * events a Laravel app reads. Groups, replies, mentions, reactions, edits, revokes and fromMe included.
 */
describe('rich messages end to end: API → worker (Baileys) → simulator, and back as events', function () {
  this.timeout(180_000);
  let fleet: LocalFleet;
  let redis: Redis;
  let prefix: string;

  before(async () => {
    prefix = freshPrefix('rich');
    redis = new Redis(TEST_REDIS_URL);
    // Media URLs of this test come from a loopback https server with the simulator's test certificate.
    fleet = await startLocalFleet({
      redisUrl: TEST_REDIS_URL,
      prefix,
      workers: 1,
      extraEnv: { MEDIA_FETCH_ALLOW: '127.0.0.1', MEDIA_FETCH_CA_FILE: MEDIA_CA_PATH },
    });
    await fleet.pair('rich-1', WORKSPACE, PHONE);
  });

  after(async () => {
    await fleet?.close();
    await cleanPrefix(redis, prefix);
    redis.disconnect();
  });

  const send = async (body: Record<string, unknown>) => {
    const answer = await fleet.api('POST', '/api/messages/send', { session_id: 'rich-1', to: `+${CONTACT}`, ...body });
    expect(answer.status, JSON.stringify(answer.body)).to.equal(202);
    return answer.body.message_id as string;
  };
  const delivered = (id: string) =>
    waitFor(async () => ['delivered', 'read'].includes((await fleet.api('GET', `/api/messages/${id}`)).body.status), {
      what: `${id} delivered`,
      timeoutMs: 20_000,
    });
  const sentRecord = async (id: string) => {
    let record: any;
    await waitFor(async () => (record = (await fleet.simulator.sent(PHONE)).find((m: any) => m.id === id)) !== undefined, { what: `${id} at the simulator` });
    return record;
  };
  const events = async () => (await fleet.api('GET', `/api/events?workspace_id=${WORKSPACE}&since=0&limit=1000`)).body.events as any[];
  const eventFor = async (type: string, match: (data: any) => boolean) => {
    let found: any;
    await waitFor(async () => (found = (await events()).find((event) => event.type === type && match(event.data))) !== undefined, {
      what: `${type} event`,
      timeoutMs: 20_000,
    });
    return found.data;
  };

  it('receives a text, replies to it quoting it with a mention, and the recipient decrypts the reply with its context', async () => {
    const incoming = await fleet.simulator.incoming(PHONE, { from: CONTACT, text: 'can you confirm?' });
    const received = await eventFor('message.received', (data) => data.message_id === incoming.id);
    expect(received).to.include({ type: 'text', text: 'can you confirm?', chat: CONTACT_JID, from: CONTACT_JID, group: null });
    const reply = await send({ text: 'confirmed @15550424242', reply_to: incoming.id, mentions: [`+${CONTACT}`] });
    await delivered(reply);
    const record = await sentRecord(reply);
    expect(record).to.include({ type: 'text', text: 'confirmed @15550424242', quotedId: incoming.id });
    expect(record.mentions).to.deep.equal([CONTACT_JID]);
    const unknown = await fleet.api('POST', '/api/messages/send', { session_id: 'rich-1', to: `+${CONTACT}`, text: 'x', reply_to: 'NOPE123' });
    expect(unknown.status).to.equal(404);
    expect(unknown.body.error.code).to.equal('MESSAGE_NOT_FOUND');
  });

  it('sends a location and a contact card, each recorded by type with its fields', async () => {
    const location = await send({ type: 'location', location: { latitude: 52.37, longitude: 4.89, name: 'Office', address: 'Dam 1' } });
    const contact = await send({
      type: 'contact',
      contact: { display_name: 'Support', vcard: 'BEGIN:VCARD\nVERSION:3.0\nFN:Support\nTEL:+15550001234\nEND:VCARD' },
    });
    await Promise.all([delivered(location), delivered(contact)]);
    expect(await sentRecord(location)).to.deep.include({ type: 'location', location: { latitude: 52.37, longitude: 4.89, name: 'Office', address: 'Dam 1' } });
    expect((await sentRecord(contact)).contact).to.include({ displayName: 'Support' });
  });

  it('reacts to its own message and to a received one, removes a reaction; a reaction to an unknown message is refused', async () => {
    const mine = await send({ text: 'our offer' });
    await delivered(mine);
    const incoming = await fleet.simulator.incoming(PHONE, { from: CONTACT, text: 'thanks!' });
    await eventFor('message.received', (data) => data.message_id === incoming.id);
    const onMine = await send({ type: 'reaction', reaction: { message_id: mine, emoji: '👍' } });
    const onTheirs = await send({ type: 'reaction', reaction: { message_id: incoming.id, emoji: '❤️' } });
    const removed = await send({ type: 'reaction', reaction: { message_id: mine, emoji: '' } });
    await Promise.all([onMine, onTheirs, removed].map(delivered));
    expect((await sentRecord(onMine)).reaction).to.deep.equal({ targetId: mine, emoji: '👍' });
    expect((await sentRecord(onTheirs)).reaction).to.deep.equal({ targetId: incoming.id, emoji: '❤️' });
    expect((await sentRecord(removed)).reaction).to.deep.equal({ targetId: mine, emoji: '' });
    const unknown = await fleet.api('POST', '/api/messages/send', {
      session_id: 'rich-1',
      to: `+${CONTACT}`,
      type: 'reaction',
      reaction: { message_id: '3EB0000000000000000000AA', emoji: '👍' },
    });
    expect(unknown.status).to.equal(404);
    expect(unknown.body.error.code).to.equal('MESSAGE_NOT_FOUND');
  });

  it('edits a sent text and revokes a sent message; a queued one is cancelled instead of sent', async () => {
    const text = await send({ text: 'meeting at 3' });
    await delivered(text);
    const edit = await fleet.api('PATCH', `/api/messages/${text}`, { text: 'meeting at 4' });
    expect(edit.status, JSON.stringify(edit.body)).to.equal(202);
    expect(edit.body).to.include({ type: 'edit', status: 'queued' });
    await delivered(edit.body.message_id);
    expect((await sentRecord(edit.body.message_id)).edit).to.deep.equal({ targetId: text, text: 'meeting at 4' });
    const revoke = await fleet.api('DELETE', `/api/messages/${text}`);
    expect(revoke.status, JSON.stringify(revoke.body)).to.equal(202);
    await delivered(revoke.body.message_id);
    expect((await sentRecord(revoke.body.message_id)).revoke).to.deep.equal({ targetId: text });
    const location = await send({ type: 'location', location: { latitude: 1, longitude: 2 } });
    await delivered(location);
    const notEditable = await fleet.api('PATCH', `/api/messages/${location}`, { text: 'x' });
    expect(notEditable.status).to.equal(409);
    expect(notEditable.body.error.code).to.equal('MESSAGE_NOT_EDITABLE');
  });

  it('sends to a group every participant decrypts, and receives a group message with its participant', async () => {
    const group = await fleet.simulator.createGroup({ subject: 'Team', participants: [PHONE, CONTACT, '15550434343'] });
    const answer = await fleet.api('POST', '/api/messages/send', { session_id: 'rich-1', to: group.id, text: 'hello team' });
    expect(answer.status, JSON.stringify(answer.body)).to.equal(202);
    await delivered(answer.body.message_id);
    const record = await sentRecord(answer.body.message_id);
    expect(record).to.include({ to: group.id, text: 'hello team' });
    expect(record.undecryptedBy ?? []).to.deep.equal([]);
    const incoming = await fleet.simulator.incoming(PHONE, { group: group.id, from: '15550434343', text: 'hi all' });
    const received = await eventFor('message.received', (data) => data.message_id === incoming.id);
    expect(received).to.include({ chat: group.id, group: group.id, from: '15550434343@s.whatsapp.net', text: 'hi all' });
  });

  it("turns what the account's phone sent, and others' reactions, edits, revokes, locations and contacts, into their events", async () => {
    const fromPhone = await fleet.simulator.incoming(PHONE, { fromMe: true, to: CONTACT, text: 'sent from my phone' });
    expect(await eventFor('message.sent_from_device', (data) => data.message_id === fromPhone.id)).to.include({
      chat: CONTACT_JID,
      text: 'sent from my phone',
    });
    const original = await fleet.simulator.incoming(PHONE, { from: CONTACT, text: 'typo here' });
    await eventFor('message.received', (data) => data.message_id === original.id);
    await fleet.simulator.incoming(PHONE, { type: 'edit', from: CONTACT, targetId: original.id, text: 'fixed here' });
    expect(await eventFor('message.edited', (data) => data.message_id === original.id)).to.include({ text: 'fixed here', from: CONTACT_JID });
    await fleet.simulator.incoming(PHONE, { type: 'reaction', from: CONTACT, targetId: original.id, emoji: '😂' });
    expect(await eventFor('message.reaction', (data) => data.target_message_id === original.id)).to.include({ emoji: '😂' });
    await fleet.simulator.incoming(PHONE, { type: 'revoke', from: CONTACT, targetId: original.id });
    await eventFor('message.revoked', (data) => data.message_id === original.id);
    const location = await fleet.simulator.incoming(PHONE, { type: 'location', from: CONTACT, location: { latitude: 40.7, longitude: -74, name: 'NYC' } });
    expect((await eventFor('message.received', (data) => data.message_id === location.id)).location).to.deep.include({
      latitude: 40.7,
      longitude: -74,
      name: 'NYC',
    });
    const contact = await fleet.simulator.incoming(PHONE, { type: 'contact', from: CONTACT, contact: { displayName: 'Ann', phone: '15550999999' } });
    expect((await eventFor('message.received', (data) => data.message_id === contact.id)).contact).to.include({ display_name: 'Ann' });
    const stats = await fleet.simulator.stats();
    const log = (await fleet.simulator.sent(PHONE)).filter((m: any) => m.kind === 'undecryptable' || (m.undecryptedBy ?? []).length > 0);
    expect(stats.perAccount.find((account) => account.phone === PHONE)?.decryptFailures, JSON.stringify(log)).to.equal(0);
  });

  describe('media', () => {
    const image = randomBytes(300_000);
    const voice = randomBytes(50_000);
    let files: { server: Server; url: string };

    before(async () => {
      files = await mediaServer({ '/voice.ogg': { body: voice, type: 'audio/ogg' }, '/page.html': { body: Buffer.from('<html>'), type: 'text/html' } });
    });

    after(() => files?.server.close());

    /** Uploads `bytes` with POST /api/media (multipart, streamed) and answers the media id. */
    async function upload(bytes: Buffer, type: string, mimetype: string, filename: string): Promise<string> {
      const form = new FormData();
      form.set('workspace_id', String(WORKSPACE));
      form.set('type', type);
      form.set('file', new Blob([bytes], { type: mimetype }), filename);
      const answer = await fetch(`${fleet.ingressUrl}/api/media`, { method: 'POST', headers: { authorization: `Bearer ${fleet.apiKey}` }, body: form });
      const body = (await answer.json()) as { media_id: string; sha256: string };
      expect(answer.status, JSON.stringify(body)).to.equal(201);
      expect(body.sha256).to.equal(sha256(bytes));
      return body.media_id;
    }

    it('sends an uploaded image, a document inline, a voice note from a URL, a video and a sticker: each arrives byte-identical, checked at the recipient', async () => {
      const document = randomBytes(120_000);
      const video = randomBytes(200_000);
      const sticker = randomBytes(20_000);
      const sends = {
        image: await send({ type: 'image', text: 'the product', media: { id: await upload(image, 'image', 'image/jpeg', 'p.jpg') } }),
        document: await send({ type: 'document', filename: 'invoice.pdf', media: { base64: document.toString('base64'), mimetype: 'application/pdf' } }),
        voice: await send({ type: 'audio', voice: true, media: { url: `${files.url}/voice.ogg` } }),
        video: await send({ type: 'video', media: { id: await upload(video, 'video', 'video/mp4', 'v.mp4') } }),
        sticker: await send({ type: 'sticker', media: { base64: sticker.toString('base64'), mimetype: 'image/webp' } }),
      };
      await Promise.all(Object.values(sends).map(delivered));
      const expected = { image, document, voice, video, sticker };
      for (const [kind, id] of Object.entries(sends)) {
        const record = await sentRecord(id);
        expect(record.media, kind).to.include({ verified: true, sha256: sha256(expected[kind as keyof typeof expected]) });
        expect(sha256(await fleet.simulator.sentMedia(PHONE, id)), kind).to.equal(sha256(expected[kind as keyof typeof expected]));
      }
      expect((await sentRecord(sends.image)).media).to.include({ caption: 'the product' });
      expect((await sentRecord(sends.document)).media).to.include({ fileName: 'invoice.pdf', mimetype: 'application/pdf' });
      expect((await sentRecord(sends.voice)).type).to.equal('ptt');
    });

    it('stores received media after checking its hash: the event links to it, and GET /api/media/{id} streams the same bytes', async () => {
      const incoming = await fleet.simulator.incoming(PHONE, {
        type: 'image',
        from: CONTACT,
        caption: 'my order',
        data: image.toString('base64'),
        mimetype: 'image/jpeg',
      });
      const received = await eventFor('message.received', (data) => data.message_id === incoming.id);
      expect(received).to.include({ type: 'image', text: 'my order' });
      expect(received.media).to.include({ status: 'available', sha256: incoming.media!.sha256, mimetype: 'image/jpeg', size: image.length });
      const withKey = await fetch(`${fleet.ingressUrl}/api/media/${received.media.id}`, { headers: { authorization: `Bearer ${fleet.apiKey}` } });
      expect(sha256(Buffer.from(await withKey.arrayBuffer()))).to.equal(sha256(image));
      const signed = await fetch(received.media.url);
      expect(signed.status).to.equal(200);
      expect(sha256(Buffer.from(await signed.arrayBuffer()))).to.equal(sha256(image));
      const document = await fleet.simulator.incoming(PHONE, {
        type: 'document',
        from: CONTACT,
        fileName: 'spec.pdf',
        size: 40_000,
        mimetype: 'application/pdf',
      });
      expect((await eventFor('message.received', (data) => data.message_id === document.id)).media).to.include({
        status: 'available',
        filename: 'spec.pdf',
        sha256: document.media!.sha256,
      });
    });

    it('refuses bad media before queueing anything: oversize, wrong mimetype, a URL that 404s, a private address, a page instead of an image', async () => {
      const refuse = async (body: Record<string, unknown>, status: number, code: string) => {
        const answer = await fleet.api('POST', '/api/messages/send', { session_id: 'rich-1', to: `+${CONTACT}`, ...body });
        expect(answer.status, JSON.stringify(answer.body)).to.equal(status);
        expect(answer.body.error.code).to.equal(code);
      };
      const before = (await fleet.api('GET', `/api/events?workspace_id=${WORKSPACE}&since=0&limit=1000`)).body.latest_sequence;
      await refuse({ type: 'sticker', media: { base64: randomBytes(600_000).toString('base64'), mimetype: 'image/webp' } }, 413, 'MEDIA_TOO_LARGE');
      await refuse({ type: 'image', media: { base64: randomBytes(1000).toString('base64'), mimetype: 'application/pdf' } }, 415, 'MEDIA_TYPE_NOT_ALLOWED');
      await refuse({ type: 'image', media: { url: `${files.url}/missing.jpg` } }, 422, 'MEDIA_URL_UNREACHABLE');
      await refuse({ type: 'image', media: { url: 'https://10.1.2.3/a.jpg' } }, 400, 'MEDIA_URL_REFUSED');
      await refuse({ type: 'image', media: { url: `${files.url}/page.html` } }, 415, 'MEDIA_TYPE_NOT_ALLOWED');
      await refuse({ type: 'image', media: { id: 'med_000000000000000000000000' } }, 404, 'MEDIA_NOT_FOUND');
      await refuse({ type: 'image', media: { id: 'med_000000000000000000000000', url: `${files.url}/voice.ogg` } }, 400, 'VALIDATION_FAILED');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(
        (await fleet.api('GET', `/api/events?workspace_id=${WORKSPACE}&since=0&limit=1000`)).body.latest_sequence,
        'no message was queued (none failed either)',
      ).to.equal(before);
    });
  });
});
