import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { Redis } from 'ioredis';
import { createSilentLogger } from '@fleet/logger';
import { cleanPrefix, freshPrefix, testRedis, TEST_REDIS_URL, waitFor } from '@fleet/testing';
import { createDispatcher, dispatcherConfig, type Dispatcher } from '../src';
import { startMediaFleet, type MediaFleet } from './fixtures/media-fleet';
import { assertPhpInstalled, runPhp, startPhpReceiver, type PhpServer } from './fixtures/php';
import { freePort } from './fixtures/receiver';

const SECRET = 'laravel-media-hook-secret-0123456789';
const WORKSPACE = 52;
const SESSION = 'laravel-media-1';
const PHONE = '15550525252';
const CONTACT = '15550535353';
const CONTACT_JID = `${CONTACT}@s.whatsapp.net`;
const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

interface Typed {
  readonly class: string;
  readonly event: any;
}

/**
 * The Laravel integration's rich messages against a real fleet: FleetClient (PHP, Laravel's HTTP client
 * over Guzzle and curl) sends every type through the ingress, a worker's real Baileys socket and the
 * simulator, whose recipients decrypt and check each; the simulator sends every inbound type, which the
 * dispatcher delivers, signed, to FleetWebhookController under `php -S`, whose typed listeners store
 * received media with FleetClient. Media is compared byte for byte (sha256) at each end.
 */
describe('Laravel rich messages (PHP) against a real fleet: media both ways, typed events', function () {
  this.timeout(240_000);
  let redis: Redis;
  let prefix: string;
  let dir: string;
  let files: string;
  let fleet: MediaFleet | undefined;
  let dispatcher: Dispatcher | undefined;
  let php: PhpServer | undefined;

  const driver = async (command: string, args: Record<string, unknown>): Promise<any> =>
    JSON.parse(await runPhp('media-driver.php', [fleet!.ingressUrl, fleet!.apiKey, command, JSON.stringify(args)]));
  const lines = async (file: string): Promise<any[]> =>
    (await readFile(path.join(dir, file), 'utf8').catch(() => ''))
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line));
  /** The typed event the PHP listeners logged for `class` whose fields match. */
  const typed = async (cls: string, match: (event: any) => boolean, timeoutMs = 30_000): Promise<any> => {
    let found: Typed | undefined;
    await waitFor(async () => (found = ((await lines('typed.jsonl')) as Typed[]).find((line) => line.class === cls && match(line.event))) !== undefined, {
      what: `${cls} at the PHP handler`,
      timeoutMs,
    });
    return found!.event;
  };
  const stored = async (messageId: string): Promise<any> =>
    waitFor(async () => (await lines('media.jsonl')).find((line) => line.message_id === messageId), {
      what: `media of ${messageId} stored by PHP`,
      timeoutMs: 30_000,
    });
  const delivered = (id: string) =>
    waitFor(async () => ['delivered', 'read'].includes((await fleet!.api('GET', `/api/messages/${id}`)).body.status), {
      what: `${id} delivered`,
      timeoutMs: 30_000,
    });
  const sentRecord = async (id: string): Promise<any> => {
    let record: any;
    await waitFor(async () => (record = (await fleet!.simulator.sent(PHONE)).find((m: any) => m.id === id)) !== undefined, {
      what: `${id} at the simulator`,
      timeoutMs: 30_000,
    });
    return record;
  };
  const file = async (name: string, bytes: Buffer): Promise<string> => {
    const where = path.join(files, name);
    await writeFile(where, bytes);
    return where;
  };

  before(async () => {
    redis = testRedis();
    prefix = freshPrefix('lmd');
    assertPhpInstalled({ curl: true });
    dir = await mkdtemp(path.join(tmpdir(), 'fleet-laravel-media-hooks-'));
    files = await mkdtemp(path.join(tmpdir(), 'fleet-laravel-media-files-'));
    await writeFile(path.join(dir, 'mode'), 'ok');
    fleet = await startMediaFleet({ redisUrl: TEST_REDIS_URL, prefix });
    dispatcher = createDispatcher(
      dispatcherConfig(
        { redisUrl: TEST_REDIS_URL, redisPrefix: prefix, logLevel: 'error' },
        { host: '127.0.0.1', port: 0, pollMs: 50, retryBaseMs: 200, retryMaxDelayMs: 1_000, webhookAllow: ['127.0.0.1'] },
      ),
      {
        logger: createSilentLogger(),
      },
    );
    await dispatcher.start();
    php = await startPhpReceiver(await freePort(), {
      FLEET_TEST_DIR: dir,
      FLEET_WEBHOOK_SECRET: SECRET,
      FLEET_URL: fleet.ingressUrl,
      FLEET_API_KEY: fleet.apiKey,
    });
    const hook = await fleet.api('PUT', `/api/workspaces/${WORKSPACE}/webhook`, { url: php.url, secret: SECRET, events: [] });
    expect(hook.status, JSON.stringify(hook.body)).to.equal(200);
    await fleet.pair(SESSION, WORKSPACE, PHONE);
  });

  after(async () => {
    await php?.stop();
    await dispatcher?.close();
    await fleet?.close();
    await cleanPrefix(redis, prefix);
    redis.disconnect();
    await rm(dir, { recursive: true, force: true });
    await rm(files, { recursive: true, force: true });
  });

  it('sends an uploaded image, an inline image, an uploaded document, a voice note, a sticker, a location and a contact: each recipient decrypts it, media byte-identical', async () => {
    const image = randomBytes(4 * 1024 * 1024);
    const smallImage = randomBytes(200_000);
    const document = randomBytes(400_000);
    const voice = randomBytes(30_000);
    const sticker = randomBytes(20_000);
    const out = await driver('send-media', {
      workspace: WORKSPACE,
      session: SESSION,
      to: `+${CONTACT}`,
      image_path: await file('photo.jpg', image),
      small_image_path: await file('small.png', smallImage),
      document_path: await file('contract.pdf', document),
      voice_base64: voice.toString('base64'),
      sticker_base64: sticker.toString('base64'),
    });

    expect(out.image_upload).to.include({
      workspace_id: WORKSPACE,
      type: 'image',
      mimetype: 'image/jpeg',
      size: image.length,
      sha256: sha256(image),
      filename: 'photo.jpg',
    });
    expect(out.image_upload.media_id).to.match(/^med_[0-9a-f]{24}$/);
    // Streamed from the file: PHP never held the 4 MiB file (a buffered upload needs at least that much).
    expect(out.image_upload_peak_bytes, 'PHP memory used by the upload').to.be.below(1024 * 1024);
    expect(out.image).to.include({ status: 'queued', type: 'image', duplicate: false });
    expect(out.image_again).to.include({ message_id: out.image.message_id, duplicate: true });
    expect(out.document_upload).to.include({
      type: 'document',
      mimetype: 'application/pdf',
      size: document.length,
      sha256: sha256(document),
      filename: 'upload.pdf',
    });
    expect(out.stream_closed).to.equal(true);

    const sends = {
      image: out.image.message_id,
      inline: out.inline_image.message_id,
      document: out.document.message_id,
      voice: out.voice.message_id,
      sticker: out.sticker.message_id,
    };
    const bytes = { image, inline: smallImage, document, voice, sticker };
    await Promise.all([...Object.values(sends), out.location.message_id, out.contact.message_id].map(delivered));
    for (const [kind, id] of Object.entries(sends)) {
      const expected = sha256(bytes[kind as keyof typeof bytes]);
      expect((await sentRecord(id)).media, kind).to.include({ verified: true, sha256: expected });
      expect(sha256(await fleet!.simulator.sentMedia(PHONE, id)), kind).to.equal(expected);
    }
    expect((await sentRecord(sends.image)).media).to.include({ caption: 'the product', mimetype: 'image/jpeg' });
    expect((await sentRecord(sends.inline)).media).to.include({ mimetype: 'image/png' });
    expect((await sentRecord(sends.document)).media).to.include({ fileName: 'invoice.pdf', caption: 'your invoice', mimetype: 'application/pdf' });
    expect((await sentRecord(sends.voice)).type).to.equal('ptt');
    expect((await sentRecord(sends.sticker)).type).to.equal('sticker');
    expect(await sentRecord(out.location.message_id)).to.deep.include({
      type: 'location',
      location: { latitude: 52.37, longitude: 4.89, name: 'Office', address: 'Dam 1' },
    });
    expect((await sentRecord(out.contact.message_id)).contact).to.include({ displayName: 'Support' });

    // Their status events reach the handler typed.
    const status = await typed('MessageStatusChanged', (event) => event.messageId === sends.image && event.status === 'delivered');
    expect(status).to.include({ eventType: 'message.delivered', sessionId: SESSION, workspaceId: WORKSPACE, reason: null });
  });

  it('an inbound image reaches the handler as MessageReceived and its media is stored byte-identical; documents, groups, replies, locations, contacts and messages from the phone arrive typed', async () => {
    const image = randomBytes(4 * 1024 * 1024);
    const photo = await fleet!.simulator.incoming(PHONE, {
      type: 'image',
      from: CONTACT,
      caption: 'my order',
      data: image.toString('base64'),
      mimetype: 'image/jpeg',
    });
    const received = await typed('MessageReceived', (event) => event.messageId === photo.id);
    expect(received).to.include({
      eventType: 'message.received',
      sessionId: SESSION,
      type: 'image',
      caption: 'my order',
      text: 'my order',
      chat: CONTACT_JID,
      from: CONTACT_JID,
      group: null,
      participant: null,
      quotedMessageId: null,
    });
    expect(received.media).to.include({ type: 'image', mimetype: 'image/jpeg', size: image.length, sha256: sha256(image), status: 'available' });
    expect(received.media.id).to.match(/^med_[0-9a-f]{24}$/);
    expect(received.media.url).to.match(new RegExp(`^${fleet!.ingressUrl}/media/${received.media.id}\\?expires=\\d+&signature=[0-9a-f]+$`));
    // The listener stored it with FleetClient::downloadReceivedMedia (the signed url: no API key).
    const kept = await stored(photo.id);
    expect(kept).to.deep.include({ via: 'signed_url', file_sha256: sha256(image), file_size: image.length });
    expect(kept.result).to.include({ mimetype: 'image/jpeg', size: image.length, sha256: sha256(image) });
    expect(path.basename(kept.path)).to.equal(`${received.media.id}.jpg`);
    // Streamed to the file: the listener's PHP never held the 4 MiB image (loading Guzzle's classes included).
    expect(kept.peak_extra_bytes, 'PHP memory used by the download').to.be.below(2 * 1024 * 1024);
    // The same media by GET /api/media/{id} with the key, into a file and into a stream.
    const download = await driver('download', { media_id: received.media.id, media: received.data.media, path: path.join(files, 'download.jpg') });
    expect(download.file).to.include({ mimetype: 'image/jpeg', size: image.length, sha256: sha256(image), filename: `${received.media.id}` });
    expect(download.file_sha256).to.equal(sha256(image));
    expect(download.stream_sha256).to.equal(sha256(image));
    expect(download.peak_bytes, 'PHP memory used by a download (classes loaded)').to.be.below(1024 * 1024);
    expect(download.tampered).to.include({ status: 0, code: 'MEDIA_HASH_MISMATCH' });
    expect(download.tampered.details).to.deep.equal({ expected: '0'.repeat(64), sha256: sha256(image) });
    expect(download.tampered_left_no_file).to.equal(true);
    expect(download.unavailable).to.include({ status: 409, code: 'MEDIA_NOT_AVAILABLE' });

    const pdf = await fleet!.simulator.incoming(PHONE, {
      type: 'document',
      from: CONTACT,
      fileName: '../../etc/spec sheet.pdf',
      size: 40_000,
      mimetype: 'application/pdf',
    });
    const documentEvent = await typed('MessageReceived', (event) => event.messageId === pdf.id);
    expect(documentEvent.type).to.equal('document');
    expect(documentEvent.media).to.include({ mimetype: 'application/pdf', sha256: pdf.media!.sha256, status: 'available' });
    const keptPdf = await stored(pdf.id);
    expect(keptPdf.file_sha256).to.equal(pdf.media!.sha256);
    // The sender chose the name: suggestedFilename() keeps it inside the app's folder.
    expect(path.dirname(keptPdf.path)).to.equal(path.join(dir, 'media'));
    expect(path.basename(keptPdf.path)).to.match(/^spec_sheet\.pdf$/);

    const group = await fleet!.simulator.createGroup({ subject: 'Orders', participants: [PHONE, CONTACT, '15550545454'] });
    const inGroup = await fleet!.simulator.incoming(PHONE, { group: group.id, from: '15550545454', text: 'hi all', replyTo: { id: photo.id } });
    expect(await typed('MessageReceived', (event) => event.messageId === inGroup.id)).to.include({
      type: 'text',
      text: 'hi all',
      caption: null,
      media: null,
      chat: group.id,
      group: group.id,
      from: '15550545454@s.whatsapp.net',
      participant: '15550545454@s.whatsapp.net',
      quotedMessageId: photo.id,
    });
    const location = await fleet!.simulator.incoming(PHONE, { type: 'location', from: CONTACT, location: { latitude: 40.7, longitude: -74, name: 'NYC' } });
    expect((await typed('MessageReceived', (event) => event.messageId === location.id)).location).to.deep.include({
      latitude: 40.7,
      longitude: -74,
      name: 'NYC',
    });
    const contact = await fleet!.simulator.incoming(PHONE, { type: 'contact', from: CONTACT, contact: { displayName: 'Ann', phone: '15550999999' } });
    expect((await typed('MessageReceived', (event) => event.messageId === contact.id)).contact).to.include({ display_name: 'Ann' });
    const fromPhone = await fleet!.simulator.incoming(PHONE, { fromMe: true, to: CONTACT, text: 'sent from my phone' });
    expect(await typed('MessageSentFromDevice', (event) => event.messageId === fromPhone.id)).to.include({
      eventType: 'message.sent_from_device',
      type: 'text',
      text: 'sent from my phone',
      chat: CONTACT_JID,
      from: `${PHONE}@s.whatsapp.net`,
    });
  });

  it("replies, reacts, edits and revokes through FleetClient; others' reactions, edits and revokes reach MessageReaction, MessageEdited and MessageRevoked", async () => {
    const incoming = await fleet!.simulator.incoming(PHONE, { from: CONTACT, text: 'can you confirm?' });
    await typed('MessageReceived', (event) => event.messageId === incoming.id);
    const out = await driver('reply-and-react', { session: SESSION, to: `+${CONTACT}`, incoming_id: incoming.id, mention: CONTACT });
    await Promise.all([out.reply, out.reaction, out.unreaction].map((answer: any) => delivered(answer.message_id)));
    const reply = await sentRecord(out.reply.message_id);
    expect(reply).to.include({ type: 'text', text: `noted @${CONTACT}`, quotedId: incoming.id });
    expect(reply.mentions).to.deep.equal([CONTACT_JID]);
    expect((await sentRecord(out.reaction.message_id)).reaction).to.deep.equal({ targetId: incoming.id, emoji: '👍' });
    expect((await sentRecord(out.unreaction.message_id)).reaction).to.deep.equal({ targetId: incoming.id, emoji: '' });

    const changed = await driver('edit-and-revoke', { session: SESSION, to: `+${CONTACT}` });
    const text = changed.text.message_id;
    expect(changed.edit).to.include({ type: 'edit', status: 'queued' });
    expect(changed.edit.message_id).to.not.equal(text);
    expect(changed.revoke).to.include({ type: 'revoke', status: 'queued' });
    await Promise.all([changed.edit.message_id, changed.revoke.message_id].map(delivered));
    expect((await sentRecord(changed.edit.message_id)).edit).to.deep.equal({ targetId: text, text: 'meeting at 4' });
    expect((await sentRecord(changed.revoke.message_id)).revoke).to.deep.equal({ targetId: text });

    const original = await fleet!.simulator.incoming(PHONE, { from: CONTACT, text: 'typo here' });
    await typed('MessageReceived', (event) => event.messageId === original.id);
    const reaction = await fleet!.simulator.incoming(PHONE, { type: 'reaction', from: CONTACT, targetId: out.reply.message_id, emoji: '😂' });
    expect(await typed('MessageReaction', (event) => event.targetMessageId === out.reply.message_id && event.emoji === '😂')).to.include({
      eventType: 'message.reaction',
      messageId: reaction.id,
      from: CONTACT_JID,
      chat: CONTACT_JID,
      group: null,
    });
    await fleet!.simulator.incoming(PHONE, { type: 'reaction', from: CONTACT, targetId: out.reply.message_id, emoji: '' });
    await typed('MessageReaction', (event) => event.targetMessageId === out.reply.message_id && event.emoji === '');
    const edit = await fleet!.simulator.incoming(PHONE, { type: 'edit', from: CONTACT, targetId: original.id, text: 'fixed here' });
    expect(await typed('MessageEdited', (event) => event.messageId === original.id)).to.include({
      eventType: 'message.edited',
      editId: edit.id,
      text: 'fixed here',
      from: CONTACT_JID,
    });
    await fleet!.simulator.incoming(PHONE, { type: 'revoke', from: CONTACT, targetId: original.id });
    expect(await typed('MessageRevoked', (event) => event.messageId === original.id)).to.include({
      eventType: 'message.revoked',
      sessionId: SESSION,
      from: CONTACT_JID,
    });
  });

  it("surfaces Fleet's refusals as FleetApiException with the code, status and details; nothing is queued", async () => {
    const closed = await freePort();
    const sentBefore = (await fleet!.simulator.sent(PHONE)).length;
    const out = await driver('errors', {
      workspace: WORKSPACE,
      session: SESSION,
      to: `+${CONTACT}`,
      pdf_path: await file('not-an-image.pdf', randomBytes(2_000)),
      // Over the sticker's 500 KiB, by little: the ingress cuts the upload off there.
      sticker_path: await file('sticker.webp', randomBytes(600_000)),
      big_path: await file('big.webp', randomBytes(1024 * 1024 + 1)),
      download_path: path.join(files, 'never.bin'),
      closed_url: `http://127.0.0.1:${closed}`,
    });
    expect(out.upload_wrong_type).to.include({ status: 415, code: 'MEDIA_TYPE_NOT_ALLOWED', retryable: false });
    expect(out.upload_wrong_type.details.allowed).to.include('image/jpeg');
    expect(out.upload_wrong_type.request_id).to.match(/^\S+$/);
    expect(out.inline_wrong_type).to.include({ status: 415, code: 'MEDIA_TYPE_NOT_ALLOWED' });
    expect(out.sticker_too_large).to.include({ status: 413, code: 'MEDIA_TOO_LARGE' });
    expect(out.sticker_too_large.details).to.include({ limit_bytes: 500 * 1024, what: 'sticker' });
    expect(out.inline_too_large).to.include({ class: 'InvalidArgumentException' });
    expect(out.unknown_media).to.include({ status: 404, code: 'MEDIA_NOT_FOUND' });
    expect(out.download_unknown).to.include({ status: 404, code: 'MEDIA_NOT_FOUND' });
    expect(out.download_left_no_file).to.equal(true);
    expect(out.react_unknown).to.include({ status: 404, code: 'MESSAGE_NOT_FOUND' });
    expect(out.reply_unknown).to.include({ status: 404, code: 'MESSAGE_NOT_FOUND' });
    expect(out.caption_on_sticker).to.include({ status: 400, code: 'VALIDATION_FAILED' });
    expect(out.caption_on_sticker.details.issues.map((issue: any) => issue.path)).to.include('text');
    expect(out.url_refused).to.include({ status: 400, code: 'MEDIA_URL_REFUSED' });
    expect(out.edit_location).to.include({ status: 409, code: 'MESSAGE_NOT_EDITABLE' });
    expect(out.edit_unknown).to.include({ status: 404, code: 'MESSAGE_NOT_FOUND' });
    expect(out.no_connection).to.include({ status: 0, code: 'CONNECTION_FAILED', retryable: true });
    // Nothing refused went out: the recipient got only the location the driver sent to try editing it.
    await delivered(out.location_id);
    const sent = (await fleet!.simulator.sent(PHONE)).slice(sentBefore);
    expect(sent.map((message: any) => message.id)).to.deep.equal([out.location_id]);
  });

  it('media the worker could not store arrives unavailable; once stored, MessageMediaAvailable reaches the handler and the media is stored byte-identical', async () => {
    const image = randomBytes(150_000);
    // The media store (S3) is down while the image arrives: the event says so, the worker retries.
    await fleet!.stopS3();
    const photo = await fleet!.simulator.incoming(PHONE, {
      type: 'image',
      from: CONTACT,
      caption: 'while down',
      data: image.toString('base64'),
      mimetype: 'image/jpeg',
    });
    const received = await typed('MessageReceived', (event) => event.messageId === photo.id);
    expect(received.media).to.include({ status: 'unavailable', url: null, sha256: sha256(image), size: image.length });
    expect(
      (await lines('media.jsonl')).some((line) => line.message_id === photo.id),
      'nothing to download yet',
    ).to.equal(false);
    await fleet!.startS3();
    // The worker retries it (MEDIA_RETRY_DELAY_MS is 2 s here): S3 is back by then or on a later try.
    const available = await typed('MessageMediaAvailable', (event) => event.messageId === photo.id, 90_000);
    expect(available).to.include({ eventType: 'message.media_available', sessionId: SESSION });
    expect(available.media).to.include({ id: received.media.id, status: 'available', sha256: sha256(image), size: image.length });
    const kept = await stored(photo.id);
    expect(kept).to.include({ via: 'signed_url', file_sha256: sha256(image) });
  });
});
