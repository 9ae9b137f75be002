import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import { runCli } from '@fleet/fleetctl';
import { TEST_REDIS_URL } from '@fleet/testing';
import { API_KEY, startLocalFleet, type LocalFleet } from './fleet-harness';

async function cli(prefix: string, argv: string[], env: Record<string, string> = { API_KEYS: API_KEY }): Promise<{ code: number; out: string; err: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let outText = '';
  let errText = '';
  out.on('data', (chunk: Buffer) => (outText += chunk.toString()));
  err.on('data', (chunk: Buffer) => (errText += chunk.toString()));
  const code = await runCli(argv, { env: { REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix, ...env }, out, err });
  return { code, out: outText, err: errText };
}

describe('deploy: fleetctl health and storage-check against a real worker', function () {
  this.timeout(60_000);
  let fleet: LocalFleet;

  before(async () => {
    fleet = await startLocalFleet();
  });

  after(async () => {
    await fleet?.close();
  });

  it('health reads the worker’s /health: healthy, its sessions and utilization', async () => {
    const result = await cli(fleet.prefix, ['health', '--json']);
    expect(result.code, result.err).to.equal(0);
    const report = JSON.parse(result.out) as { instances: Array<Record<string, unknown>> };
    expect(report.instances).to.have.length(1);
    expect(report.instances[0]).to.include({ instance: 'instance-1', status: 'healthy', sessions: 0, max: 10, utilization: 0 });
  });

  it('storage-check without an admin key: the worker refuses (401) and the report says so', async () => {
    const result = await cli(fleet.prefix, ['storage-check', '--json'], {});
    expect(result.code).to.equal(1);
    const body = JSON.parse(result.out) as { checks: Array<{ where: string; error?: string }> };
    expect(body.checks).to.have.length(1);
    expect(body.checks[0]!.error).to.match(/^HTTP 401: an admin key is required.*\(set API_KEYS for fleetctl\)$/);
    const wrong = await cli(fleet.prefix, ['storage-check', '--json'], { API_KEYS: 'not-the-admin-key-0123456789' });
    expect((JSON.parse(wrong.out) as { checks: Array<{ error?: string }> }).checks[0]!.error).to.match(/^HTTP 401: /);
  });

  it('storage-check asks the worker to measure its SESSION_STORAGE_PATH, with the first key of API_KEYS', async () => {
    const result = await cli(fleet.prefix, ['storage-check', '--json']);
    const body = JSON.parse(result.out) as {
      checks: Array<{ where: string; result?: { path: string; ok: boolean; latencies: Array<{ operation: string; medianMs: number; maxMs: number }> } }>;
    };
    expect(body.checks.map((check) => check.where)).to.deep.equal(['instance-1']);
    const measured = body.checks[0]!.result!;
    expect(measured.path).to.equal(fleet.storagePath);
    expect(measured.latencies.map((latency) => latency.operation)).to.deep.equal(['write', 'fsync', 'rename', 'read']);
    expect(result.code).to.equal(measured.ok ? 0 : 1);
    process.stdout.write(`      storage (tmpdir) median ms: ${measured.latencies.map((l) => `${l.operation} ${l.medianMs}`).join(', ')}\n`);
  });
});
