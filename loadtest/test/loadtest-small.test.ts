import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { TEST_REDIS_URL } from '@fleet/testing';
import { Poller } from '../src/harness/poller';
import { runLoadtest, type LoadtestResult } from '../src/harness/run-loadtest';

/**
 * The small profile of `make loadtest`: the mixed scenario (creations, sends and status reads at once)
 * with 20 sessions over 2 worker processes. Asserts correctness only, never timings.
 */
describe('load harness, small profile: mixed, 20 sessions, 2 workers', function () {
  this.timeout(150_000);
  let root: string;
  let result: LoadtestResult;

  before(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'fleet-loadtest-'));
    result = await runLoadtest({
      scenario: 'mixed',
      sessions: 20,
      workers: 2,
      durationS: 20,
      sendRate: 4,
      scanConcurrency: 16,
      pairWave: 10,
      redisUrl: TEST_REDIS_URL,
      reportRoot: root,
      log: () => undefined,
    });
  });
  after(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('pairs every session and gets every send accepted', () => {
    expect(result.paired).to.equal(20);
    expect(result.accepted).to.equal(80);
    expect(result.settle.failed).to.equal(0);
    expect(result.settle.pending).to.equal(0);
  });

  it('loses, duplicates and leaves undecryptable or stuck no message, runs no session twice and needs no re-scan', () => {
    expect(result.invariants.lost).to.deep.equal([]);
    expect(result.invariants.duplicated).to.deep.equal([]);
    expect(result.invariants).not.to.have.property('unverified');
    expect(result.invariants.doubleSockets).to.deep.equal([]);
    expect(result.invariants.conflicts).to.equal(0);
    expect(result.invariants.rescanned).to.deep.equal([]);
    expect(result.invariants.decryptFailures, 'copies the recipients could not decrypt').to.equal(0);
    expect(result.invariants.stuck, 'messages left queued or sending').to.deep.equal([]);
    expect(result.figures.violations).to.equal(0);
  });

  it("writes report.md, report.json and chart.svg with the run's figures", () => {
    for (const file of [result.files.markdown, result.files.json, result.files.chart]) expect(existsSync(file), file).to.equal(true);
    const json = JSON.parse(readFileSync(result.files.json, 'utf8'));
    expect(json.latency.qr.count).to.equal(20);
    expect(json.latency.connect.count).to.equal(20);
    expect(json.latency.send.count).to.equal(80);
    expect(json.loadLatency.send.count, 'every send starts in the timed phase').to.equal(80);
    expect(json.loadLatency.qr.count, 'the 20 % created during the timed phase').to.equal(4);
    expect(json.phases.map((p: { name: string }) => p.name)).to.deep.equal(['pairing', 'load']);
    expect(json.figures.sent).to.equal(80);
    expect(json.figures.pairingPerS).to.be.greaterThan(0);
    expect(json.figures.sendPerS).to.be.greaterThan(0);
    expect(Object.keys(json.processes)).to.include.members(['simulator', 'ingress', 'instance-1', 'instance-2']);
    expect(readFileSync(result.files.chart, 'utf8')).to.match(/^<svg [\s\S]*<polyline[\s\S]*<\/svg>$/);
    expect(readFileSync(result.files.markdown, 'utf8')).to.include('| QR p95 |').and.include('### Timed phase only');
  });

  it('keeps its own waiting within the probe budget', () => {
    const json = JSON.parse(readFileSync(result.files.json, 'utf8'));
    expect(json.probes).to.be.greaterThan(0);
    expect(json.probes).to.be.at.most(json.pollRate * (json.wallMs / 1000 + 1));
  });
});

describe('load harness poller', () => {
  it('resolves each wait with the first value its probe finds, or undefined at its timeout', async () => {
    const poller = new Poller({ maxPerSecond: Infinity });
    let calls = 0;
    const found = poller.wait(async () => (++calls >= 3 ? 'ready' : undefined), { timeoutMs: 5_000, firstDelayMs: 0, retryDelayMs: 50 });
    const never = poller.wait(async () => undefined, { timeoutMs: 300, firstDelayMs: 0 });
    const failing = poller.wait(async () => Promise.reject(new Error('down')), { timeoutMs: 300, firstDelayMs: 0 });
    expect(await found).to.equal('ready');
    expect(calls).to.equal(3);
    expect(await never).to.equal(undefined);
    expect(await failing).to.equal(undefined);
    expect(poller.pending).to.equal(0);
  });

  it('ends every wait, current and later, once cancelled', async () => {
    const poller = new Poller();
    const waiting = poller.wait(async () => undefined, { timeoutMs: 60_000, firstDelayMs: 0, retryDelayMs: 50 });
    await new Promise((resolve) => setTimeout(resolve, 120));
    poller.cancel();
    expect(await waiting).to.equal(undefined);
    expect(await poller.wait(async () => 'too late', { timeoutMs: 60_000 })).to.equal(undefined);
  });

  it('never has more probes in flight than maxInFlight', async () => {
    const poller = new Poller({ maxInFlight: 3, maxPerSecond: Infinity });
    let inFlight = 0;
    let peak = 0;
    const probe = async (): Promise<undefined> => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 30));
      inFlight -= 1;
      return undefined;
    };
    await Promise.all(Array.from({ length: 20 }, () => poller.wait(probe, { timeoutMs: 1_000, firstDelayMs: 0, retryDelayMs: 50 })));
    expect(peak).to.equal(3);
    expect(poller.probes, 'every wait probed at least once').to.be.at.least(20);
  });

  it('starts no more than maxPerSecond probes a second, plus a burst of 100 ms worth', async () => {
    const poller = new Poller({ maxPerSecond: 50 });
    const started = Date.now();
    await Promise.all(Array.from({ length: 40 }, () => poller.wait(async () => undefined, { timeoutMs: 1_000, firstDelayMs: 0, retryDelayMs: 50 })));
    const seconds = (Date.now() - started) / 1000;
    expect(poller.probes).to.be.at.most(Math.ceil(50 * seconds) + 5);
    expect(poller.probes).to.be.greaterThan(25);
  });
});
