import { expect } from 'chai';
import { proto, type WAMessage } from 'baileys';
import { AckTracker } from '../src/connector/baileys/ack-tracker';
import { backoffDelay, DEFAULT_BACKOFF } from '../src/connector/baileys/backoff';
import { BoundedCache } from '../src/connector/baileys/bounded-cache';
import { conflictTypeOf, decideOnClose, statusCodeOf } from '../src/connector/baileys/close-policy';
import { ackStatusFromWa, phoneFromMeId, toJid } from '../src/connector/baileys/message-mapping';
import { toIncomingMessage } from '../src/connector/baileys/incoming-message';

describe('baileys-connector: close policy', () => {
  const paired = { registered: true, qrShown: false };

  it('reconnects at once on 515 and with backoff on transient codes', () => {
    expect(decideOnClose({ code: 515, ...paired }).action).to.equal('reconnect-now');
    for (const code of [408, 428, 500, 503, 0, 999]) {
      expect(decideOnClose({ code, ...paired }).action, String(code)).to.equal('reconnect-backoff');
    }
  });

  it('reconnects after a 440 conflict (its own action: a longer delay, a cap); never on 403 or 411', () => {
    expect(decideOnClose({ code: 440, ...paired })).to.deep.equal({ action: 'reconnect-conflict', code: 440, reason: 'conflict' });
    expect(decideOnClose({ code: 403, ...paired }).action).to.equal('fail');
    expect(decideOnClose({ code: 407, ...paired }), "the session's proxy refused its credentials").to.deep.equal({
      action: 'fail',
      code: 407,
      reason: 'proxy_auth_failed',
    });
    expect(decideOnClose({ code: 500, ...paired, proxyRefused: true }), 'the proxy guard refused the proxy: never retried, never direct').to.deep.equal({
      action: 'fail',
      code: 0,
      reason: 'proxy_refused',
    });
    expect(decideOnClose({ code: 408, registered: false, qrShown: true, proxyRefused: true }).reason).to.equal('proxy_refused');
    expect(decideOnClose({ code: 411, ...paired }).action).to.equal('fail');
  });

  it('treats 401 and a device_removed conflict as logged out', () => {
    expect(decideOnClose({ code: 401, ...paired }).action).to.equal('logged-out');
    expect(decideOnClose({ code: 440, ...paired, conflictType: 'device_removed' })).to.deep.equal({
      action: 'logged-out',
      code: 401,
      reason: 'device_removed',
    });
  });

  it('tells QR exhaustion from a lost connection by the pairing state', () => {
    expect(decideOnClose({ code: 408, registered: false, qrShown: true }).action).to.equal('qr-expired');
    expect(decideOnClose({ code: 408, registered: false, qrShown: false }).action).to.equal('reconnect-backoff');
    expect(decideOnClose({ code: 408, registered: true, qrShown: true }).action).to.equal('reconnect-backoff');
  });

  it('reads status codes and conflict types from Baileys errors', () => {
    expect(statusCodeOf({ output: { statusCode: 440 } })).to.equal(440);
    expect(statusCodeOf(new Error('x'))).to.equal(0);
    expect(statusCodeOf(undefined)).to.equal(0);
    const data = { tag: 'stream:error', attrs: {}, content: [{ tag: 'conflict', attrs: { type: 'replaced' } }] };
    expect(conflictTypeOf({ data })).to.equal('replaced');
    expect(conflictTypeOf({ data: { content: 'bytes' } })).to.equal(undefined);
  });
});

describe('baileys-connector: backoff', () => {
  it('grows exponentially up to the cap, jitter only shortening it', () => {
    const noJitter = () => 0;
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, DEFAULT_BACKOFF, noJitter))).to.deep.equal([1000, 2000, 4000, 8000]);
    expect(backoffDelay(30, DEFAULT_BACKOFF, noJitter)).to.equal(60_000);
    expect(backoffDelay(3, DEFAULT_BACKOFF, () => 1)).to.equal(2000);
    const spread = new Set(Array.from({ length: 50 }, () => backoffDelay(5, DEFAULT_BACKOFF)));
    expect(spread.size).to.be.greaterThan(10);
    for (const delay of spread) expect(delay).to.be.within(8000, 16000);
  });
});

describe('baileys-connector: acks', () => {
  it('reports each status once and never backwards', () => {
    const tracker = new AckTracker();
    const seen = (['sent', 'sent', 'delivered', 'sent', 'read', 'delivered', 'failed'] as const).filter((s) => tracker.accept('m', s));
    expect(seen).to.deep.equal(['sent', 'delivered', 'read']);
    const failing = new AckTracker();
    expect(['sent', 'failed', 'failed', 'delivered'].filter((s) => failing.accept('x', s as 'sent'))).to.deep.equal(['sent', 'failed']);
  });

  it('stays bounded', () => {
    const tracker = new AckTracker(2);
    tracker.accept('a', 'sent');
    tracker.accept('b', 'sent');
    tracker.accept('c', 'sent');
    expect(tracker.accept('a', 'sent')).to.equal(true);
    expect(tracker.accept('c', 'sent')).to.equal(false);
  });

  it('maps WhatsApp statuses', () => {
    const S = proto.WebMessageInfo.Status;
    expect([S.ERROR, S.PENDING, S.SERVER_ACK, S.DELIVERY_ACK, S.READ, S.PLAYED].map(ackStatusFromWa)).to.deep.equal([
      'failed',
      undefined,
      'sent',
      'delivered',
      'read',
      'read',
    ]);
  });
});

describe('baileys-connector: addresses and messages', () => {
  it('turns phone numbers and JIDs into JIDs', () => {
    expect(toJid('+1 (555) 000-1111')).to.equal('15550001111@s.whatsapp.net');
    expect(toJid('15550001111')).to.equal('15550001111@s.whatsapp.net');
    expect(toJid('15550001111:2@s.whatsapp.net')).to.equal('15550001111@s.whatsapp.net');
    expect(toJid('12036304@g.us')).to.equal('12036304@g.us');
    for (const bad of ['', 'abc', '12', '@s.whatsapp.net', '1'.repeat(16), '555; DROP']) {
      expect(() => toJid(bad), bad)
        .to.throw()
        .with.property('code', 'INVALID_RECIPIENT');
    }
  });

  it('reads the phone from creds.me.id', () => {
    expect(phoneFromMeId('15550001111:3@s.whatsapp.net')).to.equal('15550001111');
    expect(phoneFromMeId(undefined)).to.equal('');
  });

  it('maps every kind of incoming message: text, media, location, contact, reaction, edit, revoke, groups, replies, fromMe', () => {
    const noDownload = async () => {
      throw new Error('not in this test');
    };
    const me = '15550001111@s.whatsapp.net';
    const map = (message: object) => toIncomingMessage(message as WAMessage, noDownload, me);
    const base = { key: { id: 'ID1', remoteJid: '15550002222@s.whatsapp.net', fromMe: false }, messageTimestamp: 1700000000 };
    expect(map({ ...base, message: { conversation: 'hi' } })).to.deep.equal({
      waMessageId: 'ID1',
      chat: '15550002222@s.whatsapp.net',
      from: '15550002222@s.whatsapp.net',
      fromMe: false,
      timestamp: 1_700_000_000_000,
      kind: 'text',
      text: 'hi',
    });
    expect(
      map({ ...base, message: { extendedTextMessage: { text: 'link', contextInfo: { stanzaId: 'Q1', mentionedJid: ['15550003333@s.whatsapp.net'] } } } }),
    ).to.include({ kind: 'text', text: 'link', quotedId: 'Q1' });
    const image = map({
      ...base,
      message: { imageMessage: { caption: 'look', mimetype: 'image/jpeg', fileLength: 1234, fileSha256: Buffer.from('ab', 'hex') } },
    });
    expect(image).to.include({ kind: 'image', text: 'look' });
    expect(image?.media).to.include({ type: 'image', mimetype: 'image/jpeg', size: 1234, sha256: 'ab' });
    expect(map({ ...base, message: { audioMessage: { mimetype: 'audio/ogg; codecs=opus', ptt: true } } })?.media).to.include({ type: 'audio', voice: true });
    expect(
      map({
        ...base,
        message: { documentWithCaptionMessage: { message: { documentMessage: { fileName: 'a.pdf', caption: 'c', mimetype: 'application/pdf' } } } },
      }),
    ).to.include({ kind: 'document', text: 'c' });
    expect(map({ ...base, message: { locationMessage: { degreesLatitude: 1.5, degreesLongitude: -2, name: 'HQ' } } })?.location).to.deep.equal({
      latitude: 1.5,
      longitude: -2,
      name: 'HQ',
    });
    expect(map({ ...base, message: { contactMessage: { displayName: 'Ann', vcard: 'BEGIN:VCARD' } } })?.contact).to.deep.equal({
      displayName: 'Ann',
      vcard: 'BEGIN:VCARD',
    });
    expect(map({ ...base, message: { reactionMessage: { key: { id: 'T1' }, text: '👍' } } }))
      .to.include({ kind: 'reaction' })
      .and.to.have.deep.property('target', { id: 'T1', emoji: '👍' });
    expect(map({ ...base, message: { protocolMessage: { type: 0, key: { id: 'T2' } } } })).to.have.deep.property('target', { id: 'T2' });
    expect(map({ ...base, message: { protocolMessage: { type: 14, key: { id: 'T3' }, editedMessage: { conversation: 'fixed' } } } })).to.have.deep.property(
      'target',
      { id: 'T3', text: 'fixed' },
    );
    expect(map({ ...base, message: { protocolMessage: { type: 3 } } }), 'other protocol traffic').to.equal(undefined);
    const group = { ...base, key: { ...base.key, remoteJid: '1203@g.us', participant: '15550003333@s.whatsapp.net' } };
    expect(map({ ...group, message: { conversation: 'g' } })).to.include({ chat: '1203@g.us', group: '1203@g.us', from: '15550003333@s.whatsapp.net' });
    expect(map({ ...base, key: { ...base.key, fromMe: true }, message: { conversation: 'from my phone' } })).to.include({
      fromMe: true,
      from: me,
      chat: '15550002222@s.whatsapp.net',
    });
    expect(map({ ...base, key: { ...base.key, remoteJid: 'status@broadcast' }, message: { conversation: 'x' } })).to.equal(undefined);
  });
});

describe('baileys-connector: bounded cache', () => {
  it('expires entries and evicts the least recently used', () => {
    let now = 0;
    const cache = new BoundedCache(2, 100, () => now);
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.get('a')).to.equal(1);
    cache.set('c', 3);
    expect(cache.get('b')).to.equal(undefined);
    now = 150;
    expect(cache.get('a')).to.equal(undefined);
  });
});
