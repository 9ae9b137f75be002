import { expect } from 'chai';
import { Redis } from 'ioredis';
import { createKeys } from '@fleet/keys';
import { cleanPrefix, freshPrefix, TEST_REDIS_URL } from '@fleet/testing';
import { startLocalFleet, type LocalFleet } from '../src/harness/local-fleet';
import { checkInvariants, waitAllConnected } from '../src/harness/invariants';
import { Traffic } from '../src/harness/traffic';

const SESSIONS = Array.from({ length: 6 }, (_, i) => ({ id: `chaos-${i}`, workspace: 100 + i, phone: `1555200${1000 + i}` }));
const OPERATIONS = 50;
const TIME_BUDGET_MS = 150_000;

/** A small deterministic PRNG so a failing run can be replayed with its seed. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('ownership: randomized chaos under load (joins, drains, crashes, migrations)', function () {
  this.timeout(TIME_BUDGET_MS + 180_000);
  let fleet: LocalFleet;
  let prefix: string;
  let redis: Redis;

  before(async () => {
    prefix = freshPrefix('chaos');
    redis = new Redis(TEST_REDIS_URL);
    fleet = await startLocalFleet({ redisUrl: TEST_REDIS_URL, prefix, workers: 3, extraEnv: { HEARTBEAT_TTL_MS: '2000', SHARD_COUNT: '32' } });
    for (const session of SESSIONS) await fleet.pair(session.id, session.workspace, session.phone);
  });

  after(async () => {
    await fleet?.close();
    await cleanPrefix(redis, prefix);
    redis.disconnect();
  });

  it(`keeps every message exactly once, one socket per account and no new scan through ${OPERATIONS} random operations`, async () => {
    const seed = Number(process.env.CHAOS_SEED ?? Date.now() % 1_000_000);
    const random = prng(seed);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const keys = createKeys(prefix);
    const live = new Set(['instance-1', 'instance-2', 'instance-3']);
    const dead = new Set<string>();
    let nextId = 4;
    const log: string[] = [`seed ${seed}`];
    const traffic = new Traffic(fleet, { sessions: SESSIONS.map((s) => s.id), intervalMs: 60 });
    traffic.start();
    const startedAt = Date.now();
    try {
      for (let op = 0; op < OPERATIONS && Date.now() - startedAt < TIME_BUDGET_MS; op += 1) {
        const choice = random();
        if (choice < 0.25 && live.size < 5) {
          const id = dead.size > 0 && random() < 0.5 ? pick([...dead]) : `instance-${nextId++}`;
          dead.delete(id);
          log.push(`join ${id}`);
          await fleet.addWorker(id);
          live.add(id);
        } else if (choice < 0.45 && live.size > 2) {
          const id = pick([...live]);
          log.push(`drain ${id}`);
          live.delete(id);
          dead.add(id);
          await fleet.stopWorker(id, 'SIGTERM');
        } else if (choice < 0.65 && live.size > 2) {
          const id = pick([...live]);
          log.push(`crash ${id}`);
          live.delete(id);
          dead.add(id);
          await fleet.stopWorker(id, 'SIGKILL');
        } else if (choice < 0.9) {
          const session = pick(SESSIONS);
          const to = pick([...live]);
          log.push(`pin workspace ${session.workspace} to ${to}`);
          await redis.hset(keys.pins, String(session.workspace), to);
          await redis.incr(keys.membershipVersion);
          await redis.publish(keys.membershipChannel, 'pin');
        } else {
          const session = pick(SESSIONS);
          log.push(`unpin workspace ${session.workspace}`);
          await redis.hdel(keys.pins, String(session.workspace));
          await redis.publish(keys.membershipChannel, 'unpin');
        }
        await new Promise((resolve) => setTimeout(resolve, 100 + random() * 500));
      }
      await redis.del(keys.pins);
      await redis.publish(keys.membershipChannel, 'unpin-all');
      await waitAllConnected(
        fleet,
        SESSIONS.map((s) => s.id),
        90_000,
      );
    } finally {
      await traffic.stop();
    }
    expect(traffic.rejected, log.join('\n')).to.deep.equal([]);
    const report = await checkInvariants(
      fleet,
      traffic.accepted,
      SESSIONS.map((s) => s.phone),
      90_000,
    );
    for (const id of report.lost) {
      const { body } = await fleet.api('GET', `/api/messages/${id}`);
      log.push(`lost ${id}: ${JSON.stringify(body)}`);
    }
    // A crash between a socket write and the ack record re-sends that message under its own id
    // (at least once; WhatsApp delivers an id once): counted apart, not a duplicate.
    const { resent = 0, ...violations } = report;
    log.push(`re-sent under their own id after crashes: ${resent}`);
    expect(violations, log.join('\n')).to.deep.equal({
      lost: [],
      duplicated: [],
      doubleSockets: [],
      conflicts: 0,
      rescanned: [],
      decryptFailures: 0,
      stuck: [],
    });
    expect(log.length).to.be.greaterThan(20);
  });
});
