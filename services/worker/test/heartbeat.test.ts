import { expect } from 'chai';
import type { Membership, WorkerInfo } from '@fleet/cluster';
import { createSilentLogger } from '@fleet/logger';
import { Heartbeat } from '../src/fencing';

const TTL_MS = 600; // ticks every 200 ms; deadline 450 ms after the last renewal was sent
const registration: WorkerInfo = { instanceId: 'w1', incarnation: 'inc-1', url: 'http://127.0.0.1:1', maxSessions: 10, startedAt: 0, draining: false };

/** Blocks the event loop, as a stalled process or a paused machine does: timers fire late afterwards. */
function stall(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    /* busy */
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function heartbeatWith(renew: () => Promise<boolean>): { heartbeat: Heartbeat; fences: string[]; renewals: () => number } {
  let renewals = 0;
  const fences: string[] = [];
  const membership = {
    heartbeat: async () => {
      renewals += 1;
      return renew();
    },
    register: async () => ({ ...registration, incarnation: `inc-${renewals + 2}` }),
  } as unknown as Membership;
  const heartbeat = new Heartbeat({
    membership,
    logger: createSilentLogger(),
    ttlMs: TTL_MS,
    onFence: async () => {
      fences.push('fenced');
    },
    onRejoin: async () => undefined,
  });
  return { heartbeat, fences, renewals: () => renewals };
}

describe('heartbeat and self-fencing', () => {
  let running: Heartbeat | undefined;
  afterEach(() => running?.stop());

  it('renews every ttl/3 and never fences while renewals succeed', async () => {
    const { heartbeat, fences, renewals } = heartbeatWith(async () => true);
    running = heartbeat;
    heartbeat.start(registration);
    await sleep(1_000);
    expect(fences).to.deep.equal([]);
    expect(renewals()).to.be.at.least(2);
    expect(heartbeat.current).to.equal(registration);
  });

  it('a tick that fires after the deadline (the process stalled) renews first and does not fence when the registration was still held', async () => {
    const { heartbeat, fences, renewals } = heartbeatWith(async () => true);
    running = heartbeat;
    heartbeat.start(registration);
    await sleep(250);
    stall(700);
    await sleep(300);
    expect(fences).to.deep.equal([]);
    expect(renewals()).to.be.greaterThan(1);
    expect(heartbeat.healthy).to.equal(true);
  });

  it('the same late tick fences when the registration is gone', async () => {
    let valid = true;
    const { heartbeat, fences } = heartbeatWith(async () => valid);
    running = heartbeat;
    heartbeat.start(registration);
    await sleep(250);
    valid = false;
    stall(700);
    await sleep(100);
    expect(fences).to.deep.equal(['fenced']);
    expect(heartbeat.current).to.equal(undefined);
  });

  it('a renewal still unanswered at the deadline (Redis unreachable) fences before the registration can expire', async () => {
    let hang = false;
    const { heartbeat, fences } = heartbeatWith(() => (hang ? new Promise<boolean>(() => undefined) : Promise.resolve(true)));
    running = heartbeat;
    heartbeat.start(registration);
    await sleep(250);
    hang = true;
    await sleep(800);
    expect(fences).to.deep.equal(['fenced']);
    expect(heartbeat.current).to.equal(undefined);
  });

  it('a failing renewal fences once past the deadline, not before', async () => {
    let fail = false;
    let lastSuccessAt = 0;
    let fencedAt = 0;
    const { heartbeat, fences } = heartbeatWith(() => {
      if (fail) return Promise.reject(new Error('ECONNREFUSED'));
      lastSuccessAt = Date.now();
      return Promise.resolve(true);
    });
    running = heartbeat;
    heartbeat.start(registration);
    await sleep(250);
    fail = true;
    while (fences.length === 0) {
      await sleep(20);
      fencedAt = Date.now();
    }
    expect(fences).to.deep.equal(['fenced']);
    // Fenced at the deadline (last successful renewal sent + ttl − ttl/4) or later, never while still covered.
    expect(fencedAt - lastSuccessAt).to.be.at.least(TTL_MS - TTL_MS / 4);
  });
});
