import { expect } from 'chai';
import type { Redis } from 'ioredis';
import { createKeys, type Keys } from '@fleet/keys';
import { cleanPrefix, freshPrefix, testRedis } from '@fleet/testing';
import { LeaseStore, MESSAGE_ID_PATTERN, MessageStore, SessionStore } from '../src';

describe('state: session and message records (real Redis)', () => {
  let redis: Redis;
  let keys: Keys;
  let prefix: string;

  beforeEach(() => {
    redis = testRedis();
    prefix = freshPrefix();
    keys = createKeys(prefix);
  });
  afterEach(async () => {
    await cleanPrefix(redis, prefix);
    redis.disconnect();
  });

  it('creates a session once, repeats idempotently and refuses another workspace', async () => {
    const store = new SessionStore(redis, keys);
    const session = { sessionId: 's1', workspaceId: 5, accountId: '9', shard: 3 };
    expect(await store.create(session)).to.deep.equal({ kind: 'created' });
    expect((await store.create(session)).kind).to.equal('exists');
    expect((await store.create({ ...session, workspaceId: 6 })).kind).to.equal('conflict');
    expect(await store.idsInShard(3)).to.deep.equal(['s1']);
    expect(await store.idsInWorkspace(5)).to.deep.equal(['s1']);
    const record = await store.get('s1');
    expect(record).to.include({ sessionId: 's1', workspaceId: 5, accountId: '9', shard: 3, status: 'starting', desired: 'running' });
  });

  it('updates only existing records and removes every index entry', async () => {
    const store = new SessionStore(redis, keys);
    expect(await store.update('ghost', { status: 'connected' })).to.equal(false);
    expect(await redis.exists(keys.session('ghost'))).to.equal(0);
    await store.create({ sessionId: 's2', workspaceId: 1, accountId: '1', shard: 0 });
    expect(await store.countsByShard(2)).to.deep.equal([1, 0]);
    await store.update('s2', { status: 'qr', qr: 'ref,abc', qrExpiresAt: 123 });
    expect((await store.get('s2'))?.qr).to.equal('ref,abc');
    await store.update('s2', { status: 'connected', qr: null, phone: '15550001' });
    const record = await store.get('s2');
    expect(record?.qr).to.equal(undefined);
    expect(record?.phone).to.equal('15550001');
    await store.remove(record!);
    expect(await store.get('s2')).to.equal(undefined);
    expect(await store.countsByShard(2)).to.deep.equal([0, 0]);
  });

  it('a lease taken to run a session starts a fresh run: epoch bumped, status starting, the last QR and error gone', async () => {
    const store = new SessionStore(redis, keys);
    const leases = new LeaseStore(redis, keys);
    await redis.hset(keys.worker('i1'), 'incarnation', 'run-1');
    await store.create({ sessionId: 's3', workspaceId: 1, accountId: '1', shard: 0 });
    await store.update('s3', { status: 'qr', qr: 'ref,old', qrExpiresAt: 123, lastError: 'timed out (408)' });
    expect(await leases.take('s3', { instanceId: 'i1', incarnation: 'run-1' })).to.deep.equal({ taken: true, epoch: 1 });
    const record = await store.get('s3');
    expect(record).to.deep.include({ status: 'starting', owner: 'i1', epoch: 1 });
    expect([record?.qr, record?.qrExpiresAt, record?.lastError]).to.deep.equal([undefined, undefined, undefined]);
    await store.update('s3', { desired: 'deleted', status: 'deleting' });
    await leases.release('s3', 'i1', 1);
    expect(await leases.take('s3', { instanceId: 'i1', incarnation: 'run-1' }, Date.now(), 'deleted')).to.deep.equal({ taken: true, epoch: 2 });
    expect((await store.get('s3'))?.status).to.equal('deleting');
  });

  it('accepts a message once per idempotency key and spots a different request under the same key', async () => {
    const messages = new MessageStore(redis, keys);
    const message = { sessionId: 's1', to: '+15551234567', text: 'hi', idempotencyKey: 'order-1' };
    expect(await messages.accept(message)).to.deep.equal({ kind: 'no_session' });
    await new SessionStore(redis, keys).create({ sessionId: 's1', workspaceId: 5, accountId: '1', shard: 2 });
    const first = await messages.accept(message);
    expect(first).to.deep.include({ kind: 'new', shard: 2 });
    if (first.kind !== 'new') throw new Error('unreachable');
    expect(first.record.messageId).to.match(MESSAGE_ID_PATTERN);
    expect(first.record.workspaceId).to.equal(5);
    const again = await messages.accept(message);
    expect(again).to.deep.include({ kind: 'duplicate', sameRequest: true });
    if (again.kind !== 'duplicate') throw new Error('unreachable');
    expect(again.record?.messageId).to.equal(first.record.messageId);
    const other = await messages.accept({ ...message, text: 'different' });
    expect(other).to.deep.include({ kind: 'duplicate', sameRequest: false });
    const unkeyed = await messages.accept({ ...message, idempotencyKey: undefined });
    if (unkeyed.kind !== 'new') throw new Error('expected a new message');
    expect(unkeyed.record.messageId).not.to.equal(first.record.messageId);
  });

  it('moves a message only forward and never fails it after the server ack', async () => {
    const messages = new MessageStore(redis, keys);
    await new SessionStore(redis, keys).create({ sessionId: 's1', workspaceId: 1, accountId: '1', shard: 0 });
    const accepted = await messages.accept({ sessionId: 's1', to: '+15551234567', text: 'x' });
    if (accepted.kind !== 'new') throw new Error('expected a new message');
    const id = accepted.record.messageId;
    expect((await messages.get(id))?.status, 'created queued').to.equal('queued');
    expect(await messages.advance(id, 'queued')).to.equal(false);
    expect(await messages.advance(id, 'delivered')).to.equal(true);
    expect(await messages.advance(id, 'sent')).to.equal(false);
    expect(await messages.advance(id, 'failed', 'late')).to.equal(false);
    expect(await messages.advance(id, 'read')).to.equal(true);
    const stored = await messages.get(id);
    expect(stored?.status).to.equal('read');
    expect(stored?.deliveredAt).to.be.a('number');
    expect(await messages.advance('3EB0000000000000000000FF', 'sent')).to.equal(false);
  });

  it('begins a send only for a message not yet acknowledged, again after an attempt that died before the ack', async () => {
    const messages = new MessageStore(redis, keys);
    await new SessionStore(redis, keys).create({ sessionId: 's1', workspaceId: 1, accountId: '1', shard: 0 });
    const accepted = await messages.accept({ sessionId: 's1', to: '+15551234567', text: 'x' });
    if (accepted.kind !== 'new') throw new Error('expected a new message');
    const id = accepted.record.messageId;
    expect(await messages.beginSend(id)).to.equal('sending');
    expect(await messages.beginSend(id), 'a re-run after a crash writes again').to.equal('sending');
    await messages.advance(id, 'sent');
    expect(await messages.beginSend(id), 'acknowledged: not written again').to.equal('sent');
    expect((await messages.get(id))?.status).to.equal('sent');
    expect(await messages.beginSend('3EB0000000000000000000FF')).to.equal(undefined);
  });
});
