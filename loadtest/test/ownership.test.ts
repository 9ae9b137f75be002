import { expect } from 'chai';
import { Redis } from 'ioredis';
import { runCli } from '@fleet/fleetctl';
import { createKeys } from '@fleet/keys';
import { cleanPrefix, freshPrefix, TEST_REDIS_URL, waitFor } from '@fleet/testing';
import { startLocalFleet, type LocalFleet } from '../src/harness/local-fleet';
import { checkInvariants, waitAllConnected } from '../src/harness/invariants';
import { Traffic } from '../src/harness/traffic';

const SESSIONS = Array.from({ length: 8 }, (_, i) => ({ id: `own-${i}`, workspace: i + 1, phone: `1555100${1000 + i}` }));
const HEARTBEAT_TTL_MS = 3000;

describe('ownership: join, drain, crash and migrate under load (real processes, real Baileys)', function () {
  this.timeout(240_000);
  let fleet: LocalFleet;
  let prefix: string;
  let redis: Redis;

  const fleetctl = async (...args: string[]): Promise<{ code: number; out: string; err: string }> => {
    let out = '';
    let err = '';
    const sink = (append: (s: string) => void) => ({ write: (chunk: string) => (append(String(chunk)), true) }) as unknown as NodeJS.WritableStream;
    const code = await runCli(args, { env: { REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix }, out: sink((s) => (out += s)), err: sink((s) => (err += s)) });
    return { code, out, err };
  };

  async function underLoad(action: () => Promise<void>, allowResends = false): Promise<void> {
    const traffic = new Traffic(fleet, { sessions: SESSIONS.map((s) => s.id) });
    traffic.start();
    await new Promise((resolve) => setTimeout(resolve, 500));
    await action();
    await waitAllConnected(
      fleet,
      SESSIONS.map((s) => s.id),
      60_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    await traffic.stop();
    expect(traffic.rejected, 'requests the ingress refused').to.deep.equal([]);
    expect(traffic.accepted.size).to.be.greaterThan(10);
    const report = await checkInvariants(
      fleet,
      traffic.accepted,
      SESSIONS.map((s) => s.phone),
    );
    // Re-sends under a message's own id (a crash between the socket write and the ack record) are at
    // least once by design and counted apart; a joining or draining worker must cause none.
    const { resent = 0, ...violations } = report;
    expect(violations).to.deep.equal({ lost: [], duplicated: [], doubleSockets: [], conflicts: 0, rescanned: [], decryptFailures: 0, stuck: [] });
    if (!allowResends) expect(resent, 're-sent messages').to.equal(0);
  }

  before(async () => {
    prefix = freshPrefix('own');
    redis = new Redis(TEST_REDIS_URL);
    const ttl = String(HEARTBEAT_TTL_MS);
    fleet = await startLocalFleet({ redisUrl: TEST_REDIS_URL, prefix, workers: 3, extraEnv: { HEARTBEAT_TTL_MS: ttl, SHARD_COUNT: '32' } });
    for (const session of SESSIONS) await fleet.pair(session.id, session.workspace, session.phone);
  });

  after(async () => {
    await fleet?.close();
    await cleanPrefix(redis, prefix);
    redis.disconnect();
  });

  const snapshotRuns = async (): Promise<Map<string, { owner: string; epoch: number }>> => {
    const runs = new Map<string, { owner: string; epoch: number }>();
    for (const session of SESSIONS) {
      const [owner, epoch] = await redis.hmget(createKeys(prefix).session(session.id), 'owner', 'epoch');
      runs.set(session.id, { owner: owner ?? '', epoch: Number(epoch) });
    }
    return runs;
  };

  it('a joining worker takes its share; only those sessions restart', async () => {
    const before = await snapshotRuns();
    await underLoad(async () => {
      await fleet.addWorker('instance-4');
      await waitFor(async () => (await fleet.api('GET', '/api/instances')).body.instances.find((i: any) => i.instance_id === 'instance-4')?.shards > 0, {
        what: 'instance-4 owns shards',
      });
    });
    const after = await snapshotRuns();
    const moved = SESSIONS.filter((s) => after.get(s.id)!.owner !== before.get(s.id)!.owner);
    for (const session of SESSIONS) {
      const [was, now] = [before.get(session.id)!, after.get(session.id)!];
      if (now.owner === was.owner) expect(now.epoch, `${session.id} stayed on ${was.owner} and must not restart`).to.equal(was.epoch);
      else expect(now.owner, `${session.id} may only move to the newcomer`).to.equal('instance-4');
    }
    expect(moved.length).to.be.lessThan(SESSIONS.length);
  });

  it('a drained worker (SIGTERM) hands every session over cleanly', async () => {
    await underLoad(() => fleet.stopWorker('instance-2', 'SIGTERM'));
    const { body } = await fleet.api('GET', '/api/instances');
    expect(body.instances.map((i: any) => i.instance_id)).not.to.include('instance-2');
  });

  it('a crashed worker (SIGKILL) has its sessions running elsewhere within seconds, without a new scan', async () => {
    const before = Date.now();
    await underLoad(() => fleet.stopWorker('instance-3', 'SIGKILL'), true);
    expect(Date.now() - before).to.be.lessThan(60_000);
  });

  it('fleetctl migrate moves one workspace, reporting each session, and loses no queued message', async () => {
    const session = SESSIONS[0]!;
    const status = await fleet.api('GET', `/api/sessions/${session.id}/status`);
    const target = status.body.instance === 'instance-1' ? 'instance-4' : 'instance-1';
    let result = { code: -1, out: '', err: '' };
    await underLoad(async () => {
      result = await fleetctl('migrate', '--workspace', String(session.workspace), '--to', target, '--timeout', '60');
    });
    expect(result.code, result.err).to.equal(0);
    expect(result.out).to.contain(`${session.id}`).and.to.contain('migrated');
    expect((await fleet.api('GET', `/api/sessions/${session.id}/status`)).body.instance).to.equal(target);
    const audit = await fleetctl('audit', '--csv');
    expect(audit.out.split('\n')[0]).to.equal('workspace,sessions,connected,messages,traffic,current,target,pinned');
    expect(audit.out).to.contain(`${session.workspace},1,1,`);
    expect((await fleetctl('unpin', '--workspace', String(session.workspace))).code).to.equal(0);
  });
});
