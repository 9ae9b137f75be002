import { expect } from 'chai';
import type { Redis } from 'ioredis';
import { createKeys, type Keys } from '@fleet/keys';
import { cleanPrefix, freshPrefix, testRedis } from '@fleet/testing';
import { decodeCursor, encodeCursor, LeaseStore, SessionStore, type SessionListQuery } from '../src';
import { STATE_SCRIPTS as S } from '../src/scripts';

/** The session index behind GET /api/sessions: kept by every script that writes records, paged by cursor. */
describe('state: the session index (real Redis)', () => {
  let redis: Redis;
  let keys: Keys;
  let prefix: string;
  let store: SessionStore;

  beforeEach(() => {
    redis = testRedis();
    prefix = freshPrefix('six');
    keys = createKeys(prefix);
    store = new SessionStore(redis, keys);
  });
  afterEach(async () => {
    await cleanPrefix(redis, prefix);
    redis.disconnect();
  });

  const create = (sessionId: string, workspaceId = 1) => store.create({ sessionId, workspaceId, accountId: '1', shard: 0 });
  const members = (workspaceId: number | undefined, part: Parameters<Keys['sessionIndex']>[1]) => redis.zrange(keys.sessionIndex(workspaceId, part), 0, -1);
  /** Every id a query lists, following the cursors page by page. */
  async function all(query: Omit<SessionListQuery, 'after'>): Promise<{ ids: string[]; pages: number }> {
    const ids: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await store.list({ ...query, ...(cursor ? { after: decodeCursor(cursor)! } : {}) });
      ids.push(...page.records.map((record) => record.sessionId));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor && pages < 1000);
    return { ids, pages };
  }

  it('indexes a record on create, moves it on every status and phone change, and drops it on remove', async () => {
    await create('s1', 7);
    for (const scope of [undefined, 7]) {
      expect(await members(scope, 'all')).to.deep.equal(['s1']);
      expect(await members(scope, 'status:starting')).to.deep.equal(['s1']);
      expect(await members(scope, 'terms')).to.deep.equal(['s1 s1']);
    }
    await store.update('s1', { status: 'connected', phone: '15550001111' });
    expect(await members(7, 'status:starting')).to.deep.equal([]);
    expect(await members(7, 'status:connected')).to.deep.equal(['s1']);
    expect(await members(undefined, 'terms')).to.deep.equal(['15550001111 s1', 's1 s1']);
    await redis.hset(keys.worker('i1'), 'incarnation', 'r1');
    await new LeaseStore(redis, keys).take('s1', { instanceId: 'i1', incarnation: 'r1' });
    expect(await members(undefined, 'status:starting'), 'take-lease writes starting').to.deep.equal(['s1']);
    await store.update('s1', { status: 'logged_out', phone: null }, Date.now(), 1);
    expect(await members(7, 'terms')).to.deep.equal(['s1 s1']);
    expect(await members(7, 'status:logged_out')).to.deep.equal(['s1']);
    await store.remove({ sessionId: 's1', shard: 0, workspaceId: 7 });
    const left = await redis.keys(`${prefix}:sindex:*`);
    expect(left, 'no index entry left').to.deep.equal([]);
  });

  it('pages in id order with a cursor, per workspace and fleet-wide, filtered by status', async () => {
    for (let i = 0; i < 25; i += 1) await create(`s${String(i).padStart(2, '0')}`, i % 2 === 0 ? 1 : 2);
    for (let i = 0; i < 25; i += 5) await store.update(`s${String(i).padStart(2, '0')}`, { status: 'connected' });
    const fleet = await all({ limit: 10 });
    expect(fleet.ids).to.deep.equal(Array.from({ length: 25 }, (_, i) => `s${String(i).padStart(2, '0')}`));
    expect(fleet.pages).to.equal(3);
    expect((await all({ workspaceId: 2, limit: 4 })).ids).to.deep.equal(fleet.ids.filter((_, i) => i % 2 === 1));
    expect((await all({ status: 'connected', limit: 2 })).ids).to.deep.equal(['s00', 's05', 's10', 's15', 's20']);
    expect((await all({ workspaceId: 1, status: 'connected', limit: 50 })).ids).to.deep.equal(['s00', 's10', 's20']);
    const last = await store.list({ limit: 25 });
    expect(last.nextCursor, 'a page that reaches the end has no next cursor').to.equal(undefined);
  });

  it('searches a prefix of the session id or of the phone digits, each session once, and combines it with a status', async () => {
    await create('sales-1');
    await create('sales-2');
    await create('support-1');
    await create('1555x');
    await store.update('sales-2', { status: 'connected', phone: '4477001' });
    await store.update('support-1', { status: 'connected', phone: '1555123' });
    await store.update('1555x', { phone: '1555999' });
    expect((await all({ search: 'sal', limit: 1 })).ids).to.deep.equal(['sales-1', 'sales-2']);
    expect((await all({ search: '1555', limit: 1 })).ids, 'by id and by phone, 1555x once').to.have.members(['1555x', 'support-1']);
    expect((await all({ search: '1555', limit: 1 })).ids).to.have.length(2);
    expect((await all({ search: '447', limit: 5 })).ids).to.deep.equal(['sales-2']);
    expect((await all({ search: 's', status: 'connected', limit: 1 })).ids).to.deep.equal(['sales-2', 'support-1']);
    expect((await all({ search: 'zzz', limit: 5 })).ids).to.deep.equal([]);
  });

  it('a page examines a bounded number of entries: a rare match far away is reached over several pages', async () => {
    for (let batch = 0; batch < 5; batch += 1) {
      const pipeline = redis.pipeline();
      for (let i = 0; i < 600; i += 1) {
        const id = `n${String(batch * 600 + i).padStart(5, '0')}`;
        pipeline.hset(keys.session(id), 'session_id', id, 'workspace_id', '3', 'status', 'starting');
      }
      await pipeline.exec();
    }
    await redis.sadd(keys.sessions, ...Array.from({ length: 3000 }, (_, i) => `n${String(i).padStart(5, '0')}`));
    expect(await store.buildIndex()).to.deep.equal({ built: true, sessions: 3000 });
    await store.update('n02999', { status: 'connected' });
    const first = await store.list({ search: 'n', status: 'connected', limit: 10 });
    expect(first.records, 'nothing within the first 2000 entries').to.deep.equal([]);
    expect(first.nextCursor).to.be.a('string');
    expect((await all({ search: 'n', status: 'connected', limit: 10 })).ids).to.deep.equal(['n02999']);
    expect((await all({ workspaceId: 3, limit: 200 })).ids).to.have.length(3000);
  });

  it('the backfill indexes records written before the index existed, once per cluster', async () => {
    await redis.hset(keys.session('old-1'), 'session_id', 'old-1', 'workspace_id', '4', 'status', 'connected', 'phone', '1999');
    await redis.sadd(keys.sessions, 'old-1', 'gone');
    expect((await store.list({ limit: 10 })).records).to.deep.equal([]);
    expect(await store.buildIndex()).to.deep.equal({ built: true, sessions: 1 });
    expect((await store.list({ workspaceId: 4, status: 'connected', limit: 10 })).records.map((r) => r.sessionId)).to.deep.equal(['old-1']);
    expect((await store.list({ search: '19', limit: 10 })).records.map((r) => r.sessionId)).to.deep.equal(['old-1']);
    expect(await store.buildIndex(), 'already built').to.deep.equal({ built: false, sessions: 0 });
    // A record the backfill missed is indexed by its next write.
    await redis.hset(keys.session('old-2'), 'session_id', 'old-2', 'workspace_id', '4', 'status', 'stopped');
    await store.update('old-2', { status: 'starting' });
    expect(await members(4, 'all')).to.deep.equal(['old-1', 'old-2']);
    expect(await S.indexSessions.run(redis, { keys, sessionIds: [] })).to.equal(0);
  });

  it('cursors are opaque and checked: only members this index hands out decode', () => {
    expect(decodeCursor(encodeCursor('s1'))).to.equal('s1');
    expect(decodeCursor(encodeCursor('1555 s1'))).to.equal('1555 s1');
    for (const bad of ['', '***', encodeCursor('a b c'), encodeCursor('x'.repeat(70)), encodeCursor('s1') + '=']) {
      expect(decodeCursor(bad), bad).to.equal(undefined);
    }
  });
});
