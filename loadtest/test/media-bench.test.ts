import { expect } from 'chai';
import { TEST_REDIS_URL } from '@fleet/testing';
import { runMediaBench, type MediaBenchResult } from '../src/bench/media-bench';
import { formatMediaBench } from '../src/bench/media-report';

const KiB = 1024;

/**
 * `make bench-media` at a very small scale: the same code (real processes, real Baileys, the S3
 * server) with a few sends, so the suite proves the bench still runs. Figures are not asserted, only
 * that each part measured what it says it measured.
 */
describe('media bench, tiny profile: 4 image sends, 2 documents at once, 4 inbound images', function () {
  this.timeout(180_000);
  let result: MediaBenchResult;

  before(async () => {
    result = await runMediaBench({
      redisUrl: TEST_REDIS_URL,
      sessions: 2,
      workspaces: 2,
      imageBytes: 256 * KiB,
      sendRate: 4,
      sends: 4,
      warmupSends: 1,
      docs: 2,
      docBytes: 2048 * KiB,
      inbound: 4,
      inboundBytes: 256 * KiB,
      inboundSessions: 2,
      injectConcurrency: 2,
      parts: new Set(['sends', 'docs', 'inbound']),
      // The test runner must not be put under SCHED_IDLE: every later test would run there too.
      idle: false,
      settleMs: 60_000,
      rssIntervalMs: 50,
      log: () => undefined,
    });
  });

  it("(a) delivers every image sent by media id and counts Fleet's CPU for them", () => {
    const sends = result.sends!;
    expect(sends.accepted).to.equal(4);
    expect(sends.toDelivered).to.have.length(4);
    expect(sends.failed + sends.missing).to.equal(0);
    expect(sends.toDelivered.every((ms) => ms > 0)).to.equal(true);
    expect(sends.cpu.worker, 'the worker encrypted and uploaded them').to.be.greaterThan(0);
  });

  it("(b) delivers the documents sent at once while sampling the worker's RSS", () => {
    const docs = result.docs!;
    expect(docs.accepted).to.equal(2);
    expect(docs.toDelivered).to.have.length(2);
    expect(docs.samples).to.be.greaterThan(0);
    expect(docs.baselineRss).to.be.greaterThan(0);
    expect(docs.sampledPeakRss).to.be.at.least(docs.baselineRss * 0.9);
    expect(docs.heapUsed).to.be.greaterThan(0);
  });

  it('(c) stores every inbound image with the hash and size the simulator sent', () => {
    const inbound = result.inbound!;
    expect(inbound.stored).to.equal(4);
    expect(inbound.mismatched).to.equal(0);
    expect(inbound.wallMs).to.be.greaterThan(0);
  });

  it('prints the three parts, the media path used and the priority the load ran at', () => {
    const text = formatMediaBench(result);
    for (const part of ['(a)', '(b)', '(c)']) expect(text).to.include(part);
    expect(text).to.include('uploaded once per workspace with POST /api/media');
    expect(text).to.include('under SCHED_IDLE: no');
    expect(result.idleApplied).to.equal(false);
  });
});
