import { expect } from 'chai';
import type { Redis } from 'ioredis';
import { Membership } from '@fleet/cluster';
import { EventLog } from '@fleet/events';
import { createKeys, type Keys } from '@fleet/keys';
import { createSilentLogger } from '@fleet/logger';
import { MessageLedger } from '@fleet/messages';
import { LeaseStore, SessionStore } from '@fleet/state';
import { cleanPrefix, freshPrefix, testRedis } from '@fleet/testing';
import { createWorkerMetrics, type SessionHandle } from '../src';
import { DEFAULT_SEND_POLICY } from '../src/sessions/outbox-sender';
import { SessionEvents } from '../src/sessions/session-events';
import { RUN_TRANSITIONS } from '../src/sessions/run-transitions';
import { SessionRun } from '../src/sessions/session-run';

/** A socket stand-in that records what the run asked of it. */
function recordingHandle(): { handle: SessionHandle; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    handle: {
      send: async (message) => ({ waMessageId: message.messageId }),
      stop: async () => void calls.push('stop'),
      logout: async () => void calls.push('logout'),
      pair: async (phone) => void calls.push(`pair ${phone}`),
    },
  };
}

describe('SessionRun: one run of a session as a state machine (real Redis)', () => {
  let redis: Redis;
  let prefix: string;
  let keys: Keys;
  let sessions: SessionStore;
  let leases: LeaseStore;

  beforeEach(async () => {
    redis = testRedis();
    prefix = freshPrefix('run');
    keys = createKeys(prefix);
    sessions = new SessionStore(redis, keys);
    leases = new LeaseStore(redis, keys);
    await sessions.create({ sessionId: 's1', workspaceId: 1, accountId: '1', shard: 0 });
  });

  afterEach(async () => {
    await cleanPrefix(redis, prefix);
    redis.disconnect();
  });

  /** A run of s1 under a lease taken by a registered worker `i1`. */
  async function newRun(): Promise<{ run: SessionRun; epoch: number; calls: string[] }> {
    const holder = await new Membership({ redis, keys }).register({ instanceId: 'i1', url: 'http://127.0.0.1:1', maxSessions: 10 });
    const lease = await leases.take('s1', holder);
    if (!lease.taken) throw new Error('lease not taken');
    const record = (await sessions.get('s1'))!;
    const run = new SessionRun({
      record,
      epoch: lease.epoch,
      instanceId: 'i1',
      sessions,
      leases,
      ledger: new MessageLedger(redis, keys),
      events: new SessionEvents(new EventLog(redis, keys), createSilentLogger()),
      metrics: createWorkerMetrics('i1'),
      logger: createSilentLogger(),
      sendPolicy: DEFAULT_SEND_POLICY,
      stopAckWaitMs: 100,
      onConnected: () => undefined,
      onChange: () => undefined,
    });
    const { handle, calls } = recordingHandle();
    await run.attach(handle);
    return { run, epoch: lease.epoch, calls };
  }

  const events = async () => (await new EventLog(redis, keys).since(1, 0, 100)).events.map((event) => event.type);

  it('has a row for every state; only `ended` ignores everything, and `abandon` ends any live run', () => {
    for (const [state, row] of Object.entries(RUN_TRANSITIONS)) {
      if (state === 'ended') expect(row).to.deep.equal({});
      else expect(row.abandon, state).to.equal('ended');
    }
  });

  it('connected, then a planned stop: status written, the socket closed, then the lease released; later reports are ignored', async () => {
    const { run, calls } = await newRun();
    await run.dispatch({ type: 'connected', phone: '15550000001' });
    expect((await sessions.get('s1'))?.status).to.equal('connected');
    await run.dispatch({ type: 'stop', status: 'stopped' });
    expect(run.state).to.equal('ended');
    expect(calls).to.deep.equal(['stop']);
    expect(await leases.get('s1')).to.equal(undefined);
    await run.dispatch({ type: 'connected', phone: '15550000001' });
    expect((await sessions.get('s1'))?.status).to.equal('stopped');
    expect(await events()).to.deep.equal(['session.connected']);
  });

  it('the connector ending the run (failed) writes failed with its event and releases the lease', async () => {
    const { run, calls } = await newRun();
    await run.dispatch({ type: 'failed', code: 440, reason: 'conflict' });
    expect(run.state).to.equal('ended');
    expect(await sessions.get('s1')).to.deep.include({ status: 'failed', lastError: 'conflict (440)' });
    expect(await events()).to.deep.equal(['session.failed']);
    expect(await leases.get('s1')).to.equal(undefined);
    expect(calls).to.deep.equal([]);
  });

  it('a record write refused for a newer epoch supersedes the run: socket closed, the lease left to the newer run', async () => {
    const { run, calls } = await newRun();
    await redis.hset(keys.session('s1'), 'epoch', '99');
    await run.dispatch({ type: 'qr', qr: '2@x', expiresAt: Date.now() + 60_000 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(run.state).to.equal('ended');
    expect(calls).to.deep.equal(['stop']);
    expect(await leases.get('s1')).to.not.equal(undefined);
    expect(await events()).to.deep.equal([]);
  });

  it('abandon (the worker fenced itself) closes the socket and touches nothing in Redis', async () => {
    const { run, calls } = await newRun();
    await run.dispatch({ type: 'connected', phone: '15550000001' });
    const before = await sessions.get('s1');
    await run.dispatch({ type: 'abandon' });
    expect(run.state).to.equal('ended');
    expect(calls).to.deep.equal(['stop']);
    expect(await sessions.get('s1')).to.deep.equal(before);
    expect(await leases.get('s1')).to.not.equal(undefined);
  });

  it('pairing: pair asks the socket, a pairing code is written (status qr) with its event; connected clears it; pair is ignored once connected', async () => {
    const { run, calls } = await newRun();
    await run.dispatch({ type: 'pair', phone: '15550000009' });
    expect(run.state).to.equal('opening');
    const expiresAt = Date.now() + 60_000;
    await run.dispatch({ type: 'pairing_code', code: 'K7PQ2WXZ', phone: '15550000009', expiresAt });
    expect(run.state).to.equal('qr');
    expect(await sessions.get('s1')).to.deep.include({ status: 'qr', pairingCode: 'K7PQ2WXZ', pairingCodeExpiresAt: expiresAt });
    await sessions.update('s1', { pairingPhone: '15550000009' });
    await run.dispatch({ type: 'connected', phone: '15550000009' });
    const linked = await sessions.get('s1');
    expect([linked?.pairingCode, linked?.pairingPhone]).to.deep.equal([undefined, undefined]);
    await run.dispatch({ type: 'pair', phone: '15550000010' });
    expect(calls).to.deep.equal(['pair 15550000009']);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await events()).to.deep.equal(['session.pairing_code', 'session.connected']);
  });

  it("unlink (the API's logout): logout on the socket, the record kept as logged_out without its phone, the event says api, the lease released", async () => {
    const { run, calls } = await newRun();
    await run.dispatch({ type: 'connected', phone: '15550000001' });
    await run.dispatch({ type: 'unlink' });
    expect(run.state).to.equal('ended');
    expect(calls).to.deep.equal(['logout']);
    const record = await sessions.get('s1');
    expect(record).to.include({ status: 'logged_out' });
    expect(record?.phone).to.equal(undefined);
    expect(await leases.get('s1')).to.equal(undefined);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const logged = (await new EventLog(redis, keys).since(1, 0, 100)).events.find((event) => event.type === 'session.logged_out');
    expect(logged?.data).to.deep.include({ session_id: 's1', reason: 'api' });
  });

  it('every live state takes unlink (to closing); a connected run ignores pair and pairing codes', () => {
    for (const state of ['opening', 'qr', 'connected', 'reconnecting'] as const) expect(RUN_TRANSITIONS[state].unlink, state).to.equal('closing');
    expect(RUN_TRANSITIONS.connected.pair).to.equal(undefined);
    expect(RUN_TRANSITIONS.connected.pairing_code).to.equal(undefined);
  });
});
