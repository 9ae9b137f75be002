import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { createKeys } from '@fleet/keys';
import { shardOf } from '@fleet/ring';
import { jobId, SessionStore } from '@fleet/state';
import { cleanPrefix, freshPrefix, testRedis, waitFor } from '@fleet/testing';
import type { SessionConnector } from '../src';
import { InstantConnector } from './fixtures/instant-connector';
import { GatedConnector } from './fixtures/test-connectors';
import { TEST_SHARDS as SHARDS, WorkerParts, workspaceIn } from './fixtures/worker-parts';

describe('ShardConsumers (real Redis, real BullMQ queues, SessionManager over a test connector)', () => {
  let redis: Redis;
  let prefix: string;
  let storage: string;
  let sessions: SessionStore;
  let parts: WorkerParts | undefined;

  /**
   * Worker i1, alone, owning every shard as its reconciler would have decided (placement table
   * written, OwnedShards set), and consuming `consume`. No reconciler runs: the test moves ownership.
   */
  async function owner(connector: SessionConnector, consume: readonly number[]): Promise<WorkerParts> {
    parts = await new WorkerParts({ redis, prefix, storagePath: storage, connector }).start();
    await parts.cluster.placementStore.reconcile(['i1'], SHARDS);
    await parts.cluster.refresh();
    parts.owned.set(new Set([0, 1, 2, 3]), parts.cluster.snapshot.placement.version);
    await Promise.all(consume.map((shard) => parts!.consumers.consume(shard)));
    return parts;
  }

  async function createSession(sessionId: string, workspaceId: number): Promise<void> {
    await sessions.create({ sessionId, workspaceId, accountId: '1', shard: shardOf(workspaceId, SHARDS) });
  }

  /** Queues a session.start job for `sessionId` on its shard's queue and returns the job's id. */
  async function queueStart(w: WorkerParts, sessionId: string, workspaceId: number): Promise<string> {
    const id = jobId('start', sessionId);
    await w.queues.add(shardOf(workspaceId, SHARDS), 'session.start', { sessionId, workspaceId }, id);
    return id;
  }

  const stateOf = (w: WorkerParts, shard: number, id: string): Promise<string> => w.queues.queue(shard).getJobState(id);
  const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

  beforeEach(async () => {
    redis = testRedis();
    prefix = freshPrefix('consumers');
    storage = await mkdtemp(path.join(tmpdir(), 'fleet-consumers-'));
    sessions = new SessionStore(redis, createKeys(prefix));
  });

  afterEach(async () => {
    await parts?.close();
    parts = undefined;
    await cleanPrefix(redis, prefix);
    redis.disconnect();
    await rm(storage, { recursive: true, force: true });
  });

  it('runs a session.start job of an owned shard once: the session starts here', async () => {
    const connector = new InstantConnector({ instanceId: 'i1' });
    const w = await owner(connector, [0, 1, 2, 3]);
    await createSession('s1', 3);
    const id = await queueStart(w, 's1', 3);
    await waitFor(async () => (await sessions.get('s1'))?.status === 'connected', { what: 's1 connected' });
    await waitFor(async () => (await stateOf(w, shardOf(3, SHARDS), id)) === 'completed', { what: 'job completed' });
    expect((await sessions.get('s1'))?.owner).to.equal('i1');
    expect(connector.started.map((spec) => spec.sessionId)).to.deep.equal(['s1']);
    expect((await w.queues.queue(shardOf(3, SHARDS)).getJob(id))?.attemptsMade).to.equal(1);
  });

  it('hands a job of a shard it no longer owns back to its queue (delayed, not lost), where the owner runs it', async () => {
    const connector = new InstantConnector({ instanceId: 'i1' });
    const w = await owner(connector, [0, 1, 2, 3]);
    const shard = shardOf(2, SHARDS);
    // The reconciler gave the shard up; its consumer has not been released yet.
    w.owned.set(new Set([0, 1, 2, 3].filter((s) => s !== shard)), w.cluster.snapshot.placement.version);
    await createSession('moved', 2);
    const id = await queueStart(w, 'moved', 2);
    await waitFor(async () => (await stateOf(w, shard, id)) === 'delayed', { what: 'the job handed back (delayed)' });
    await pause(300);
    expect(['delayed', 'waiting', 'active', 'prioritized']).to.include(await stateOf(w, shard, id));
    expect(connector.started).to.deep.equal([]);
    expect((await sessions.get('moved'))?.owner).to.equal(undefined);

    // Owned again (the shard's new owner, here the same worker): the job runs.
    w.owned.set(new Set([0, 1, 2, 3]), w.cluster.snapshot.placement.version);
    await waitFor(async () => (await sessions.get('moved'))?.status === 'connected', { what: 'started once owned' });
    await waitFor(async () => (await stateOf(w, shard, id)) === 'completed', { what: 'job completed' });
    expect(connector.started.map((spec) => spec.sessionId)).to.deep.equal(['moved']);
  });

  it("forwards a job whose workspace is pinned to another live worker to that worker's queue, and does not run it", async () => {
    const connector = new InstantConnector({ instanceId: 'i1' });
    const w = await owner(connector, [0, 1, 2, 3]);
    await w.cluster.membership.register({ instanceId: 'i2', url: 'http://127.0.0.1:2', maxSessions: 10 });
    await redis.hset(w.keys.pins, '5', 'i2');
    await w.cluster.refresh();
    await createSession('pinned', 5);
    const id = await queueStart(w, 'pinned', 5);

    const theirs = w.queues.named(w.keys.workerQueue('i2'));
    const forwarded = (await waitFor(async () => (await theirs.getJobs(['waiting']))[0], { what: "the job in i2's queue" }))!;
    expect(forwarded.name).to.equal('session.start');
    expect(forwarded.data).to.deep.equal({ sessionId: 'pinned', workspaceId: 5 });
    expect(forwarded.id).to.match(new RegExp(`^${id}-via-i1-\\d+$`));
    await waitFor(async () => (await stateOf(w, shardOf(5, SHARDS), id)) === 'completed', { what: 'the original job done with' });
    expect(connector.started).to.deep.equal([]);
    expect(await sessions.get('pinned')).to.include({ status: 'starting', epoch: 0 });
  });

  it('runs a start heard on its channel when it consumes the queue the start belongs in; hands it on as that job otherwise', async () => {
    const connector = new InstantConnector({ instanceId: 'i1' });
    const w = await owner(connector, [0, 1, 2, 3]);
    await createSession('heard', 3);
    await w.consumers.runWoken(shardOf(3, SHARDS), 'session.start', { sessionId: 'heard', workspaceId: 3 }, 'start-heard');
    await waitFor(async () => (await sessions.get('heard'))?.status === 'connected', { what: 'heard connected' });
    expect((await sessions.get('heard'))?.owner).to.equal('i1');
    expect(await w.queues.queue(shardOf(3, SHARDS)).getJobs(['waiting', 'active', 'completed', 'delayed']), 'no job').to.deep.equal([]);

    // A shard given up (its consumer not released yet): the start waits in the shard's queue for the owner.
    const shard = shardOf(2, SHARDS);
    w.owned.set(new Set([0, 1, 2, 3].filter((s) => s !== shard)), w.cluster.snapshot.placement.version);
    await createSession('moved', 2);
    await w.consumers.runWoken(shard, 'session.start', { sessionId: 'moved', workspaceId: 2 }, 'start-moved');
    expect(connector.started.map((spec) => spec.sessionId)).to.deep.equal(['heard']);
    expect(await w.queues.queue(shard).getJob('start-moved')).to.include({ name: 'session.start' });

    // A workspace pinned to another live worker: the start goes to that worker's queue, under its own id.
    await w.cluster.membership.register({ instanceId: 'i2', url: 'http://127.0.0.1:2', maxSessions: 10 });
    await redis.hset(w.keys.pins, '5', 'i2');
    await w.cluster.refresh();
    await createSession('pinned', 5);
    await w.consumers.runWoken(shardOf(5, SHARDS), 'session.start', { sessionId: 'pinned', workspaceId: 5 }, 'start-pinned');
    const theirs = await w.queues.named(w.keys.workerQueue('i2')).getJob('start-pinned');
    expect(theirs?.data).to.deep.equal({ sessionId: 'pinned', workspaceId: 5 });
    expect(connector.started.map((spec) => spec.sessionId)).to.deep.equal(['heard']);
  });

  it('fails a malformed job once and never retries it', async () => {
    const connector = new InstantConnector({ instanceId: 'i1' });
    const w = await owner(connector, [0]);
    const queue = w.queues.queue(0);
    // With the queue's default options: 8 attempts, exponential backoff.
    await queue.add('session.reboot', { sessionId: 'x', workspaceId: 1 }, { jobId: 'unknown-name' });
    await queue.add('session.start', { workspaceId: 1 }, { jobId: 'no-session-id' });
    await queue.add('message.send', { sessionId: 'x', workspaceId: 1 }, { jobId: 'no-message-id' });
    const ids = ['unknown-name', 'no-session-id', 'no-message-id'];
    await waitFor(async () => (await Promise.all(ids.map((id) => queue.getJobState(id)))).every((state) => state === 'failed'), { what: 'all three failed' });
    const jobs = (await Promise.all(ids.map((id) => queue.getJob(id)))) as Job[];
    expect(jobs.map((job) => job.attemptsMade)).to.deep.equal([1, 1, 1]);
    expect(jobs.map((job) => job.failedReason)).to.deep.equal([
      'unknown job name "session.reboot"',
      'session.start: sessionId must be a non-empty string',
      'message.send: messageId must be a non-empty string',
    ]);
    expect(connector.started).to.deep.equal([]);
  });

  it("release(shard) stops taking that shard's jobs; the other shards' jobs still run", async () => {
    const connector = new InstantConnector({ instanceId: 'i1' });
    const w = await owner(connector, [0, 1]);
    await w.consumers.release(0);
    expect(w.consumers.owned()).to.deep.equal([1]);
    await createSession('on-0', workspaceIn(0));
    await createSession('on-1', workspaceIn(1));
    const left = await queueStart(w, 'on-0', workspaceIn(0));
    await queueStart(w, 'on-1', workspaceIn(1));
    await waitFor(async () => (await sessions.get('on-1'))?.status === 'connected', { what: 'on-1 connected' });
    await pause(300);
    expect(await stateOf(w, 0, left)).to.equal('waiting');
    expect(connector.started.map((spec) => spec.sessionId)).to.deep.equal(['on-1']);
  });

  it('release(shard) waits for the job in flight, which finishes', async () => {
    const connector = new GatedConnector();
    const w = await owner(connector, [0]);
    await createSession('slow', workspaceIn(0));
    const id = await queueStart(w, 'slow', workspaceIn(0));
    await waitFor(() => connector.calls === 1, { what: 'the job in flight' });
    let released = false;
    const releasing = w.consumers.release(0).then(() => (released = true));
    await pause(200);
    expect(released).to.equal(false);
    connector.open();
    await releasing;
    expect(await stateOf(w, 0, id)).to.equal('completed');
    expect(w.manager.isRunning('slow')).to.equal(true);
  });

  it('runs the jobs of a workspace pinned here from its own queue, and forwards one no longer pinned here to its shard', async () => {
    const connector = new InstantConnector({ instanceId: 'i1' });
    const w = await owner(connector, []);
    await redis.hset(w.keys.pins, '3', 'i1');
    await w.cluster.refresh();
    w.consumers.consumeOwnQueue();
    const own = w.queues.named(w.keys.workerQueue('i1'));
    await createSession('here', 3);
    await createSession('unpinned', 2);
    await own.add('session.start', { sessionId: 'here', workspaceId: 3 }, { jobId: 'start-here' });
    await own.add('session.start', { sessionId: 'unpinned', workspaceId: 2 }, { jobId: 'start-unpinned' });
    await waitFor(async () => (await sessions.get('here'))?.status === 'connected', { what: 'the pinned session started' });
    const shardQueue = w.queues.queue(shardOf(2, SHARDS));
    const forwarded = (await waitFor(async () => (await shardQueue.getJobs(['waiting']))[0], { what: 'the unpinned one on its shard queue' }))!;
    expect(forwarded.data).to.deep.equal({ sessionId: 'unpinned', workspaceId: 2 });
    expect(connector.started.map((spec) => spec.sessionId)).to.deep.equal(['here']);
  });
});
