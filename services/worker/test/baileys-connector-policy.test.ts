import { expect } from 'chai';
import { proto, type WAMessage } from 'baileys';
import { AckTracker } from '../src/connector/baileys/ack-tracker';
import { backoffDelay, DEFAULT_BACKOFF } from '../src/connector/baileys/backoff';
import { BoundedCache } from '../src/connector/baileys/bounded-cache';
import { conflictTypeOf, decideOnClose, statusCodeOf } from '../src/connector/baileys/close-policy';
import { ackStatusFromWa, phoneFromMeId, toIncomingMessage, toJid } from '../src/connector/baileys/message-mapping';

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
      'failed', undefined, 'sent', 'delivered', 'read', 'read',
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
      expect(() => toJid(bad), bad).to.throw().with.property('code', 'INVALID_RECIPIENT');
    }
  });

  it('reads the phone from creds.me.id', () => {
    expect(phoneFromMeId('15550001111:3@s.whatsapp.net')).to.equal('15550001111');
    expect(phoneFromMeId(undefined)).to.equal('');
  });

  it('keeps incoming texts from others only', () => {
    const base = { key: { id: 'ID1', remoteJid: '15550002222@s.whatsapp.net', fromMe: false }, messageTimestamp: 1700000000 };
    expect(toIncomingMessage({ ...base, message: { conversation: 'hi' } } as WAMessage)).to.deep.equal({
      waMessageId: 'ID1',
      from: '15550002222@s.whatsapp.net',
      text: 'hi',
      timestamp: 1_700_000_000_000,
    });
    expect(toIncomingMessage({ ...base, message: { extendedTextMessage: { text: 'link' } } } as WAMessage)?.text).to.equal('link');
    expect(toIncomingMessage({ ...base, key: { ...base.key, fromMe: true }, message: { conversation: 'x' } } as WAMessage)).to.equal(undefined);
    expect(toIncomingMessage({ ...base, message: { reactionMessage: { text: '+' } } } as WAMessage)).to.equal(undefined);
    const group = { ...base, key: { ...base.key, remoteJid: '1203@g.us', participant: '15550003333@s.whatsapp.net' } };
    expect(toIncomingMessage({ ...group, message: { conversation: 'g' } } as WAMessage)?.from).to.equal('15550003333@s.whatsapp.net');
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
