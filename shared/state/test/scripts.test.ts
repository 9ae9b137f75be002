import { expect } from 'chai';
import type { Redis } from 'ioredis';
import { createKeys, type Keys } from '@fleet/keys';
import { cleanPrefix, freshPrefix, testRedis } from '@fleet/testing';
import { STATE_SCRIPTS as S, type TakeLeaseInput } from '../src/scripts';

/** Each Lua script of the state package run directly, one outcome of its header at a time. */
describe('state: Lua scripts (real Redis)', () => {
  let redis: Redis;
  let keys: Keys;
  let prefix: string;

  beforeEach(() => {
    redis = testRedis();
    prefix = freshPrefix('stlua');
    keys = createKeys(prefix);
  });
  afterEach(async () => {
    await cleanPrefix(redis, prefix);
    redis.disconnect();
  });

  const session = { sessionId: 's1', workspaceId: 5, accountId: '9', shard: 2, now: 1_000, incarnation: 'inc-1', extra: {} as Record<string, string> };
  const create = (overrides: Partial<typeof session> = {}) => S.createSession.run(redis, { keys, ...session, ...overrides });
  const record = (id = 's1') => redis.hgetall(keys.session(id));

  describe('create-session', () => {
    it('creates the record and its index entries once: created, then exists with its status', async () => {
      const created = await create();
      expect(created.kind).to.equal('created');
      expect(created.kind === 'created' && created.record, 'the record comes back with it').to.deep.include({
        sessionId: 's1',
        workspaceId: 5,
        accountId: '9',
        shard: 2,
        status: 'starting',
        incarnation: 'inc-1',
        createdAt: 1_000,
      });
      expect(await record()).to.deep.equal({
        session_id: 's1',
        workspace_id: '5',
        account_id: '9',
        shard: '2',
        desired: 'running',
        status: 'starting',
        epoch: '0',
        incarnation: 'inc-1',
        created_at: '1000',
        updated_at: '1000',
        ix_status: 'starting',
        ix_phone: '',
      });
      expect([await redis.smembers(keys.sessions), await redis.smembers(keys.shardSessions(2)), await redis.smembers(keys.workspaceSessions(5))]).to.deep.equal(
        [['s1'], ['s1'], ['s1']],
      );
      await redis.hset(keys.session('s1'), 'status', 'connected');
      const repeated = await create({ incarnation: 'inc-2', now: 2_000 });
      expect(repeated).to.deep.include({ kind: 'exists', status: 'connected' });
      expect(repeated.kind === 'exists' && repeated.record, 'the record as it is').to.deep.include({ status: 'connected', incarnation: 'inc-1' });
      expect(await record()).to.include({ incarnation: 'inc-1', updated_at: '1000' });
    });

    it('writes the optional fields only when it creates the record', async () => {
      expect((await create({ extra: { pairing_phone: '15550001111', proxy_host: 'proxy:8080' } })).kind).to.equal('created');
      expect(await record()).to.include({ pairing_phone: '15550001111', proxy_host: 'proxy:8080' });
      await create({ extra: { pairing_phone: '15559999999' } });
      expect(await record()).to.include({ pairing_phone: '15550001111' });
    });

    it('a repeat for a stopped session wants it running again', async () => {
      await create();
      await redis.hset(keys.session('s1'), 'desired', 'stopped', 'status', 'stopped');
      const repeated = await create({ now: 2_000 });
      expect(repeated).to.deep.include({ kind: 'exists', status: 'stopped' });
      expect(repeated.kind === 'exists' && repeated.record, 'returned after it wants it running').to.deep.include({ desired: 'running', updatedAt: 2_000 });
      expect(await record()).to.include({ desired: 'running', updated_at: '2000' });
    });

    it('refuses another workspace or account (conflict) and a session being deleted (deleting)', async () => {
      await create();
      expect(await create({ workspaceId: 6 })).to.deep.equal({ kind: 'conflict' });
      expect(await create({ accountId: '10' })).to.deep.equal({ kind: 'conflict' });
      await redis.hset(keys.session('s1'), 'desired', 'deleted');
      expect(await create()).to.deep.equal({ kind: 'deleting' });
      expect(await redis.smembers(keys.workspaceSessions(6))).to.deep.equal([]);
    });
  });

  describe('count-shard-sessions', () => {
    it("counts each shard's sessions in shard order, 0 for an empty shard", async () => {
      await create();
      await create({ sessionId: 's2' });
      await create({ sessionId: 's3', shard: 0 });
      expect(await S.countShardSessions.run(redis, { keys, shardCount: 4 })).to.deep.equal([1, 0, 2, 0]);
      expect(await S.countShardSessions.run(redis, { keys, shardCount: 0 })).to.deep.equal([]);
    });
  });

  describe('update-if-exists', () => {
    it('removes then sets fields of an existing record', async () => {
      await create();
      await redis.hset(keys.session('s1'), 'qr', 'ref,1', 'last_error', 'x');
      const outcome = await S.updateIfExists.run(redis, {
        keys,
        sessionId: 's1',
        remove: ['qr', 'last_error'],
        set: { status: 'connected', phone: '1555' },
        announce: false,
      });
      expect(outcome).to.equal('written');
      expect(await record())
        .to.include({ status: 'connected', phone: '1555' })
        .and.not.have.any.keys('qr', 'last_error');
      expect(await S.updateIfExists.run(redis, { keys, sessionId: 's1', remove: ['phone'], set: {}, announce: false })).to.equal('written');
      expect(await record()).to.not.have.property('phone');
    });

    it('never recreates a record that is gone (missing)', async () => {
      expect(await S.updateIfExists.run(redis, { keys, sessionId: 'ghost', remove: [], set: { status: 'connected' }, announce: false })).to.equal('missing');
      expect(await redis.exists(keys.session('ghost'))).to.equal(0);
    });
  });

  describe('update-if-epoch', () => {
    it("writes while the record's epoch is the writer's, refuses a stale epoch (stale) and a record that is gone (missing)", async () => {
      await create();
      await redis.hset(keys.session('s1'), 'epoch', '3', 'qr', 'ref,1');
      const write = (epoch: number, sessionId = 's1') =>
        S.updateIfEpoch.run(redis, { keys, sessionId, epoch, remove: ['qr'], set: { status: 'connected' }, announce: false });
      expect(await write(2)).to.equal('stale');
      expect(await record()).to.include({ status: 'starting', qr: 'ref,1' });
      expect(await write(3)).to.equal('written');
      expect(await record())
        .to.include({ status: 'connected', epoch: '3' })
        .and.not.have.property('qr');
      expect(await write(3, 'ghost')).to.equal('missing');
      expect(await redis.exists(keys.session('ghost'))).to.equal(0);
    });
  });

  describe('announcing an update', () => {
    it('publishes the session id on the changes channel in the same step, only when the write is applied and asked for', async () => {
      await create();
      await redis.hset(keys.session('s1'), 'epoch', '3');
      const listener = redis.duplicate();
      const heard: string[] = [];
      listener.on('message', (_channel: string, message: string) => heard.push(message));
      await listener.subscribe(keys.sessionChanges);
      try {
        const fenced = (epoch: number, sessionId = 's1', announce = true) =>
          S.updateIfEpoch.run(redis, { keys, sessionId, epoch, remove: [], set: { status: 'qr' }, announce });
        expect(await fenced(3)).to.equal('written');
        expect(await fenced(2), 'a stale epoch writes nothing, announces nothing').to.equal('stale');
        expect(await fenced(3, 'ghost')).to.equal('missing');
        expect(await fenced(3, 's1', false), 'not asked').to.equal('written');
        const plain = (sessionId: string) => S.updateIfExists.run(redis, { keys, sessionId, remove: [], set: { status: 'connected' }, announce: true });
        expect(await plain('s1')).to.equal('written');
        expect(await plain('ghost')).to.equal('missing');
        await redis.publish(keys.sessionChanges, 'end');
        const deadline = Date.now() + 2_000;
        while (!heard.includes('end') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
        expect(heard).to.deep.equal(['s1', 's1', 'end']);
      } finally {
        listener.disconnect();
      }
    });
  });

  describe('take-lease', () => {
    const taker: Omit<TakeLeaseInput, 'keys'> = { sessionId: 's1', instanceId: 'w1', incarnation: 'run-1', now: 5_000, purpose: 'running', minEpoch: 0 };
    const take = (overrides: Partial<typeof taker> = {}) => S.takeLease.run(redis, { keys, ...taker, ...overrides });

    beforeEach(async () => {
      await create();
      await redis.hset(keys.worker('w1'), 'incarnation', 'run-1');
    });

    it('taken: bumps the epoch, starts a fresh run (QR and last error cleared) and records the lease', async () => {
      await redis.hset(keys.session('s1'), 'status', 'qr', 'qr', 'ref,1', 'qr_expires_at', '9', 'last_error', 'x');
      expect(await take()).to.deep.equal({ taken: true, epoch: 1 });
      expect(await record())
        .to.include({ epoch: '1', owner: 'w1', status: 'starting', updated_at: '5000' })
        .and.not.have.any.keys('qr', 'qr_expires_at', 'last_error');
      expect(await redis.hgetall(keys.lease('s1'))).to.deep.equal({ owner: 'w1', incarnation: 'run-1', epoch: '1', taken_at: '5000' });
      expect(await take(), 'its holder takes it again').to.deep.equal({ taken: true, epoch: 2 });
    });

    it("taken to unlink (the API's logout): status and fields untouched until the worker writes logged_out", async () => {
      await redis.hset(keys.session('s1'), 'desired', 'logged_out', 'status', 'stopped', 'phone', '1555');
      expect(await take({ purpose: 'logged_out' })).to.deep.equal({ taken: true, epoch: 1 });
      expect(await record()).to.include({ status: 'stopped', owner: 'w1', phone: '1555' });
      expect(await take({ purpose: 'running' })).to.deep.equal({ taken: false, reason: 'no_session' });
    });

    it('taken to delete: status stays deleting and the record keeps its fields', async () => {
      await redis.hset(keys.session('s1'), 'desired', 'deleted', 'status', 'deleting', 'phone', '1555');
      expect(await take({ purpose: 'deleted' })).to.deep.equal({ taken: true, epoch: 1 });
      expect(await record()).to.include({ status: 'deleting', owner: 'w1', phone: '1555' });
    });

    it('held: a live incarnation of another worker has it; its lease lapses with that registration', async () => {
      await redis.hset(keys.worker('w2'), 'incarnation', 'run-7');
      expect(await take({ instanceId: 'w2', incarnation: 'run-7' })).to.deep.equal({ taken: true, epoch: 1 });
      expect(await take()).to.deep.equal({ taken: false, reason: 'held', holder: 'w2' });
      expect(await record()).to.include({ epoch: '1', owner: 'w2' });
      await redis.hset(keys.worker('w2'), 'incarnation', 'run-8');
      expect(await take(), 'w2 restarted: its earlier run no longer holds it').to.deep.equal({ taken: true, epoch: 2 });
      await redis.del(keys.worker('w1'));
      expect(await take({ instanceId: 'w2', incarnation: 'run-8' }), "w1's registration expired").to.deep.equal({ taken: true, epoch: 3 });
    });

    it('not_registered: the taker is not registered under that incarnation', async () => {
      expect(await take({ incarnation: 'run-0' })).to.deep.equal({ taken: false, reason: 'not_registered' });
      expect(await take({ instanceId: 'w9' })).to.deep.equal({ taken: false, reason: 'not_registered' });
      expect(await record()).to.include({ epoch: '0' });
    });

    it('no_session: no record, or its desired state is not the one the taker acts on', async () => {
      expect(await take({ sessionId: 'ghost' })).to.deep.equal({ taken: false, reason: 'no_session' });
      expect(await take({ purpose: 'deleted' })).to.deep.equal({ taken: false, reason: 'no_session' });
      await redis.hset(keys.session('s1'), 'desired', 'stopped');
      expect(await take()).to.deep.equal({ taken: false, reason: 'no_session' });
      expect(await redis.exists(keys.lease('s1'), keys.lease('ghost'))).to.equal(0);
    });

    it('restoring: a restore lock refuses it with the epoch untouched', async () => {
      await redis.set(keys.restoreLock('s1'), 'restore-a');
      expect(await take()).to.deep.equal({ taken: false, reason: 'restoring' });
      expect(await record()).to.include({ epoch: '0' });
      expect(await redis.exists(keys.lease('s1'))).to.equal(0);
    });

    it('floor: hands out at least minEpoch, then the next one above the epoch', async () => {
      expect(await take({ minEpoch: 40 })).to.deep.equal({ taken: true, epoch: 40 });
      expect(await record()).to.include({ epoch: '40' });
      expect(await take({ minEpoch: 7 })).to.deep.equal({ taken: true, epoch: 41 });
      expect(await redis.hget(keys.lease('s1'), 'epoch')).to.equal('41');
    });
  });

  describe('release-lease', () => {
    it("released: the caller's run drops the lease and announces it; someone else's or an older run's stays", async () => {
      await redis.hset(keys.lease('s1'), 'owner', 'w1', 'incarnation', 'run-1', 'epoch', '4');
      const listener = redis.duplicate();
      const heard: string[] = [];
      listener.on('message', (_channel: string, message: string) => heard.push(message));
      await listener.subscribe(keys.leaseChannel);
      try {
        expect(await S.releaseLease.run(redis, { keys, sessionId: 's1', owner: 'w2', epoch: 4 })).to.equal(false);
        expect(await S.releaseLease.run(redis, { keys, sessionId: 's1', owner: 'w1', epoch: 3 })).to.equal(false);
        expect(await redis.exists(keys.lease('s1'))).to.equal(1);
        expect(await S.releaseLease.run(redis, { keys, sessionId: 's1', owner: 'w1', epoch: 4 })).to.equal(true);
        expect(await redis.exists(keys.lease('s1'))).to.equal(0);
        expect(await S.releaseLease.run(redis, { keys, sessionId: 's1', owner: 'w1', epoch: 4 }), 'already gone').to.equal(false);
        await redis.publish(keys.leaseChannel, 'end');
        for (let i = 0; i < 50 && !heard.includes('end'); i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
        expect(heard).to.deep.equal(['s1', 'end']);
      } finally {
        listener.disconnect();
      }
    });
  });

  describe('lock-restore, refresh-restore, unlock-restore', () => {
    const locks = (sessionIds: string[], token: string) => ({ keys, sessionIds, token, ttlMs: 30_000 });

    it('lock-restore takes every key or none, names the session another restore holds', async () => {
      expect(await S.lockRestore.run(redis, locks(['s1', 's2'], 'a'))).to.deep.equal({ locked: true });
      expect(await redis.get(keys.restoreLock('s2'))).to.equal('a');
      expect(await redis.pttl(keys.restoreLock('s1'))).to.be.within(29_000, 30_000);
      expect(await S.lockRestore.run(redis, locks(['s3', 's2', 's4'], 'b'))).to.deep.equal({ locked: false, heldBy: 's2' });
      expect(await redis.exists(keys.restoreLock('s3'), keys.restoreLock('s4')), 'nothing changed').to.equal(0);
      expect(await S.lockRestore.run(redis, { ...locks(['s2', 's3'], 'a'), ttlMs: 60_000 }), 'its own again').to.deep.equal({ locked: true });
      expect(await redis.pttl(keys.restoreLock('s2'))).to.be.above(30_000);
    });

    it("refresh-restore extends the token's keys and counts the ones it lost", async () => {
      await S.lockRestore.run(redis, { ...locks(['s1', 's2'], 'a'), ttlMs: 1_000 });
      await redis.set(keys.restoreLock('s2'), 'b');
      expect(await S.refreshRestore.run(redis, { ...locks(['s1', 's2', 's3'], 'a'), ttlMs: 60_000 })).to.equal(2);
      expect(await redis.pttl(keys.restoreLock('s1'))).to.be.above(30_000);
      expect([await redis.get(keys.restoreLock('s2')), await redis.pttl(keys.restoreLock('s2'))]).to.deep.equal(['b', -1]);
    });

    it("unlock-restore deletes the token's keys only and counts them", async () => {
      await S.lockRestore.run(redis, locks(['s1', 's2'], 'a'));
      await S.lockRestore.run(redis, locks(['s3'], 'b'));
      expect(await S.unlockRestore.run(redis, { keys, sessionIds: ['s1', 's2', 's3', 's4'], token: 'a' })).to.equal(2);
      expect(await redis.exists(keys.restoreLock('s1'), keys.restoreLock('s2'))).to.equal(0);
      expect(await redis.get(keys.restoreLock('s3'))).to.equal('b');
      expect(await S.unlockRestore.run(redis, { keys, sessionIds: ['s3'], token: 'a' })).to.equal(0);
    });
  });
});
