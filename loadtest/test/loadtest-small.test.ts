import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { TEST_REDIS_URL } from '@fleet/testing';
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
      scenario: 'mixed', sessions: 20, workers: 2, durationS: 20, sendRate: 4, scanConcurrency: 16,
      redisUrl: TEST_REDIS_URL, reportRoot: root, log: () => undefined,
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

  it('loses and duplicates no message, runs no session twice and needs no re-scan', () => {
    expect(result.invariants.lost).to.deep.equal([]);
    expect(result.invariants.duplicated).to.deep.equal([]);
    expect(result.invariants.doubleSockets).to.deep.equal([]);
    expect(result.invariants.conflicts).to.equal(0);
    expect(result.invariants.rescanned).to.deep.equal([]);
  });

  it('writes report.md, report.json and chart.svg with the run\'s figures', () => {
    for (const file of [result.files.markdown, result.files.json, result.files.chart]) expect(existsSync(file), file).to.equal(true);
    const json = JSON.parse(readFileSync(result.files.json, 'utf8'));
    expect(json.latency.qr.count).to.equal(20);
    expect(json.latency.send.count).to.equal(80);
    expect(Object.keys(json.processes)).to.include.members(['simulator', 'ingress', 'instance-1', 'instance-2']);
    expect(readFileSync(result.files.chart, 'utf8')).to.match(/^<svg [\s\S]*<polyline[\s\S]*<\/svg>$/);
    expect(readFileSync(result.files.markdown, 'utf8')).to.include('| QR p95 |');
  });
});
