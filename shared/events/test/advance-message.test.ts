import { expect } from 'chai';
import type { Redis } from 'ioredis';
import { createKeys, type Keys } from '@fleet/keys';
import { MessageStore, SessionStore } from '@fleet/state';
import { cleanPrefix, freshPrefix, testRedis } from '@fleet/testing';
import { EventLog } from '../src';

describe('events: a message status change and its event in one step (real Redis)', () => {
  let redis: Redis;
  let keys: Keys;
  let prefix: string;

  beforeEach(() => {
    redis = testRedis();
    prefix = freshPrefix('evt');
    keys = createKeys(prefix);
  });
  afterEach(async () => {
    await cleanPrefix(redis, prefix);
    redis.disconnect();
  });

  it('appends exactly one event per real change, none for stale or silent statuses', async () => {
    await new SessionStore(redis, keys).create({ sessionId: 's1', workspaceId: 7, accountId: '1', shard: 0 });
    const accepted = await new MessageStore(redis, keys).accept({ sessionId: 's1', to: '+15551234567', text: 'x' });
    if (accepted.kind !== 'new') throw new Error('expected a new message');
    const messageId = accepted.record.messageId;
    const log = new EventLog(redis, keys);
    const change = async (status: 'sending' | 'sent' | 'delivered' | 'failed') => (await log.advanceMessage({ workspaceId: 7, sessionId: 's1', messageId, status })).changed;
    const sending = await log.advanceMessage({ workspaceId: 7, sessionId: 's1', messageId, status: 'sending' });
    expect(sending).to.deep.equal({ changed: true, createdAt: accepted.record.createdAt });
    expect(await change('sent')).to.equal(true);
    expect(await change('delivered')).to.equal(true);
    expect(await change('delivered')).to.equal(false);
    expect(await change('sent')).to.equal(false);
    expect(await change('failed')).to.equal(false);
    const page = await log.since(7, 0, 100);
    expect(page.events.map((event) => [event.sequence, event.type])).to.deep.equal([[1, 'message.sent'], [2, 'message.delivered']]);
    expect(page.events[1]!.data).to.deep.equal({ message_id: messageId, session_id: 's1', status: 'delivered' });
    expect((await new MessageStore(redis, keys).get(messageId))?.status).to.equal('delivered');
  });
});
