import { expect } from 'chai';
import type { Redis } from 'ioredis';
import { EventLog } from '@fleet/events';
import { createKeys, type Keys } from '@fleet/keys';
import { parseWake, SessionStore } from '@fleet/state';
import { cleanPrefix, freshPrefix, testRedis } from '@fleet/testing';
import { MESSAGE_ID_PATTERN, MessageLedger } from '../src';

describe('message ledger (real Redis)', () => {
  let redis: Redis;
  let keys: Keys;
  let prefix: string;
  let ledger: MessageLedger;
  let sessions: SessionStore;

  beforeEach(async () => {
    redis = testRedis();
    prefix = freshPrefix('ledger');
    keys = createKeys(prefix);
    ledger = new MessageLedger(redis, keys);
    sessions = new SessionStore(redis, keys);
    await sessions.create({ sessionId: 's1', workspaceId: 7, accountId: '1', shard: 0 });
  });
  afterEach(async () => {
    await cleanPrefix(redis, prefix);
    redis.disconnect();
  });

  async function accept(text: string, extra: { idempotencyKey?: string; sessionId?: string } = {}): Promise<string> {
    const outcome = await ledger.accept({
      sessionId: extra.sessionId ?? 's1',
      to: '+15551234567',
      content: { type: 'text', text },
      ...(extra.idempotencyKey ? { idempotencyKey: extra.idempotencyKey } : {}),
    });
    if (outcome.kind !== 'new') throw new Error(`expected a new message, got ${outcome.kind}`);
    return outcome.record.messageId;
  }

  const events = async () =>
    (await new EventLog(redis, keys).since(7, 0, 1000)).events.map((event) => [
      event.type,
      (event.data as { message_id: string }).message_id,
      (event.data as { reason?: string }).reason,
    ]);

  it('accepts a message once per idempotency key and spots a different request under the same key', async () => {
    const message = { sessionId: 's1', to: '+15551234567', content: { type: 'text', text: 'hi' } as const, idempotencyKey: 'order-1' };
    expect(await ledger.accept({ ...message, sessionId: 'nope' })).to.deep.equal({ kind: 'no_session' });
    const first = await ledger.accept(message);
    if (first.kind !== 'new') throw new Error('expected a new message');
    expect(first.record.messageId).to.match(MESSAGE_ID_PATTERN);
    const again = await ledger.accept(message);
    if (again.kind !== 'duplicate') throw new Error('expected a duplicate');
    expect(again.record?.messageId).to.equal(first.record.messageId);
    expect(again.sameRequest).to.equal(true);
    const other = await ledger.accept({ ...message, content: { type: 'text', text: 'different' } });
    expect(other.kind === 'duplicate' && other.sameRequest).to.equal(false);
    expect(await ledger.body(first.record.messageId)).to.deep.equal({ to: '+15551234567', content: { type: 'text', text: 'hi' } });
    expect(await ledger.waiting('s1')).to.deep.equal({ queued: 1, inFlight: 0 });
  });

  it("publishes the send wake-up with the accept when asked: first in the outbox and in the expected workspace only, in the workers' format", async () => {
    const channel = keys.workerWakes('w1');
    const listener = redis.duplicate();
    const heard: string[] = [];
    listener.on('message', (_channel: string, message: string) => heard.push(message));
    await listener.subscribe(channel);
    try {
      const send = (text: string, workspaceId = 7) =>
        ledger.accept({ sessionId: 's1', to: '+15551234567', content: { type: 'text', text } }, 5_000, { channel, workspaceId });
      const first = await send('one');
      expect(first.kind === 'new' && first.woken, 'one listener heard it').to.equal(1);
      const behind = await send('two');
      expect(behind.kind === 'new' && behind.woken, 'behind a waiting message: none published').to.equal(undefined);
      await ledger.claim('s1', 10, 60_000);
      const elsewhere = await send('three', 8);
      expect(elsewhere.kind === 'new' && elsewhere.woken, 'the session is in another workspace than expected').to.equal(undefined);
      await redis.publish(channel, 'end');
      const deadline = Date.now() + 2_000;
      while (!heard.includes('end') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(heard).to.have.length(2);
      const record = await sessions.get('s1');
      expect(parseWake(heard[0]!)).to.deep.equal({
        name: 'message.send',
        shard: 0,
        job: { messageId: first.kind === 'new' ? first.record.messageId : '', sessionId: 's1', workspaceId: 7, incarnation: record?.incarnation },
        at: 5_000,
      });
      await ledger.claim('s1', 10, 60_000);
      const unheard = await ledger.accept({ sessionId: 's1', to: '+15551234567', content: { type: 'text', text: 'four' } }, 6_000, {
        channel: keys.workerWakes('nobody'),
        workspaceId: 7,
      });
      expect(unheard.kind === 'new' && unheard.woken, 'published where nobody listens').to.equal(0);
    } finally {
      listener.disconnect();
    }
  });

  it('hands messages out in acceptance order, each once, and marks them sending', async () => {
    const ids = [];
    for (let i = 0; i < 5; i += 1) ids.push(await accept(`m${i}`));
    const first = await ledger.claim('s1', 3, Date.now() + 30_000);
    expect(first.remaining, 'two left after taking three of five').to.equal(2);
    expect(first.messages.map((m) => [m.messageId, m.content.type === 'text' ? m.content.text : '', m.attempt])).to.deep.equal(
      ids.slice(0, 3).map((id, i) => [id, `m${i}`, 1]),
    );
    const rest = await ledger.claim('s1', 10, Date.now() + 30_000);
    expect(rest.messages.map((m) => m.messageId)).to.deep.equal(ids.slice(3));
    expect(rest.remaining).to.equal(0);
    expect(await ledger.claim('s1', 10, Date.now() + 30_000)).to.deep.equal({ messages: [], remaining: 0 });
    expect((await ledger.get(ids[0]!))?.status).to.equal('sending');
    expect(await ledger.waiting('s1')).to.deep.equal({ queued: 0, inFlight: 5 });
    expect(await ledger.waitingSince(Date.now() + 1)).to.deep.equal([]);
  });

  it('records one event per real change: sent, delivered, read; never failed after sent', async () => {
    const id = await accept('x');
    await ledger.claim('s1', 1, Date.now() + 30_000);
    expect((await ledger.advance({ messageId: id, status: 'sent' })).changed).to.equal(true);
    expect((await ledger.advance({ messageId: id, status: 'sent' })).changed).to.equal(false);
    expect((await ledger.advance({ messageId: id, status: 'failed', reason: 'late' })).changed).to.equal(false);
    expect((await ledger.advance({ messageId: id, status: 'delivered' })).changed).to.equal(true);
    expect((await ledger.advance({ messageId: id, status: 'read' })).changed).to.equal(true);
    expect(await events()).to.deep.equal([
      ['message.sent', id, undefined],
      ['message.delivered', id, undefined],
      ['message.read', id, undefined],
    ]);
    expect(await ledger.waiting('s1')).to.deep.equal({ queued: 0, inFlight: 0 });
    const record = await ledger.get(id);
    expect(record).to.include({ status: 'read', attempts: 1, seq: 1 });
    expect(await ledger.advance({ messageId: '3EB0000000000000000000FF', status: 'sent' })).to.deep.equal({ changed: false, createdAt: undefined });
  });

  it('puts a failed attempt back at its place, ahead of later messages, and fails it after the last attempt', async () => {
    const [a, b] = [await accept('a'), await accept('b')];
    await ledger.claim('s1', 1, Date.now() + 30_000);
    expect(await ledger.retry('s1', a, 2, 'send_failed')).to.equal('requeued');
    const again = await ledger.claim('s1', 5, Date.now() + 30_000);
    expect(again.messages.map((m) => [m.messageId, m.attempt])).to.deep.equal([
      [a, 2],
      [b, 1],
    ]);
    expect(await ledger.retry('s1', a, 2, 'send_failed')).to.equal('failed');
    expect(await ledger.retry('s1', a, 2, 'send_failed')).to.equal('done');
    expect(await events()).to.deep.equal([['message.failed', a, 'send_failed']]);
    expect((await ledger.get(a))?.failedReason).to.equal('send_failed');
  });

  it('sweeps in-flight messages past their ack deadline: back in the outbox, then no_server_ack', async () => {
    const id = await accept('slow');
    const now = Date.now();
    await ledger.claim('s1', 1, now + 1_000, now);
    expect(await ledger.sweepAckTimeouts('s1', 2, now + 500)).to.deep.equal({ requeued: 0, failed: 0 });
    expect(await ledger.sweepAckTimeouts('s1', 2, now + 1_000)).to.deep.equal({ requeued: 1, failed: 0 });
    await ledger.claim('s1', 1, now + 2_000, now);
    expect(await ledger.sweepAckTimeouts('s1', 2, now + 3_000)).to.deep.equal({ requeued: 0, failed: 1 });
    expect(await events()).to.deep.equal([['message.failed', id, 'no_server_ack']]);
  });

  it('requeues everything in flight for a new socket, without counting it against the attempts', async () => {
    const ids = [await accept('a'), await accept('b')];
    await ledger.claim('s1', 2, Date.now() + 60_000);
    expect(await ledger.requeueInFlight('s1')).to.equal(2);
    expect((await ledger.claim('s1', 5, Date.now() + 60_000)).messages.map((m) => m.messageId)).to.deep.equal(ids);
  });

  it('fails the messages of an earlier incarnation of the session instead of sending them from its successor', async () => {
    const old = await accept('for the deleted session');
    await redis.hset(keys.session('s1'), 'incarnation', 'a-new-one');
    expect((await ledger.claim('s1', 5, Date.now() + 30_000)).messages).to.deep.equal([]);
    expect(await events()).to.deep.equal([['message.failed', old, 'session_replaced']]);
  });

  it('expires messages waiting too long, and fails every waiting one of a deleted session', async () => {
    const old = await accept('old');
    await ledger.claim('s1', 1, Date.now() + 30_000);
    const cutoff = Date.now() + 1;
    await new Promise((resolve) => setTimeout(resolve, 5));
    const fresh = await accept('fresh');
    expect(await ledger.waitingSince(Date.now() + 1)).to.deep.equal(['s1']);
    expect(await ledger.expire('s1', cutoff, 'expired')).to.equal(1);
    expect((await ledger.get(fresh))?.status).to.equal('queued');
    expect(await ledger.expire('s1', 'all', 'session_deleted')).to.equal(1);
    expect(await events()).to.deep.equal([
      ['message.failed', old, 'expired'],
      ['message.failed', fresh, 'session_deleted'],
    ]);
    expect(await ledger.waiting('s1')).to.deep.equal({ queued: 0, inFlight: 0 });
    expect(await ledger.waitingSince(Date.now() + 1)).to.deep.equal([]);
  });

  it('fails a message whose body aged out instead of sending nothing', async () => {
    const id = await accept('gone');
    await redis.del(keys.messageBody(id));
    expect((await ledger.claim('s1', 5, Date.now() + 30_000)).messages).to.deep.equal([]);
    expect(await events()).to.deep.equal([['message.failed', id, 'expired']]);
  });

  it('cancels a message still in the outbox, not one already written', async () => {
    const [queued, written] = [await accept('not yet'), await accept('on its way')];
    await redis.zrem(keys.outbox('s1'), written);
    await redis.hset(keys.message(written), 'status', 'sending');
    expect(await ledger.cancel(queued)).to.equal('cancelled');
    expect(await ledger.cancel(written)).to.equal('sending');
    expect(await ledger.cancel('3EB0000000000000000000FF')).to.equal(undefined);
    expect(await ledger.waiting('s1')).to.deep.equal({ queued: 0, inFlight: 0 });
    expect(await events()).to.deep.equal([['message.failed', queued, 'cancelled']]);
  });

  it('finds what a reaction or a reply can name: a message it sent (once acknowledged) or one it received', async () => {
    const mine = await accept('my text');
    expect(await ledger.findTarget('s1', mine), 'not acknowledged yet').to.equal(undefined);
    await ledger.claim('s1', 1, Date.now() + 30_000);
    await ledger.advance({ messageId: mine, status: 'sent' });
    expect(await ledger.findTarget('s1', mine)).to.deep.include({ id: mine, chat: '15551234567@s.whatsapp.net', fromMe: true, type: 'text', text: 'my text' });
    expect(await ledger.findTarget('s2', mine), 'another session').to.equal(undefined);
    await ledger.rememberInbound('s1', { id: 'IN1', chat: '1203@g.us', participant: '15550003333@s.whatsapp.net', preview: 'hello group' });
    expect(await ledger.findTarget('s1', 'IN1')).to.deep.equal({
      id: 'IN1',
      chat: '1203@g.us',
      fromMe: false,
      participant: '15550003333@s.whatsapp.net',
      text: 'hello group',
    });
    expect(await ledger.findTarget('s1', 'NOPE')).to.equal(undefined);
  });
});
