import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { cleanPrefix, freshPrefix, startProcess, TEST_REDIS_URL, waitFor, type ServiceProcess } from '@fleet/testing';

const ROOT = path.resolve(__dirname, '../../..');
const API_KEY = 'run-local-test-key-0123456789';

/** A port nothing listens on now (and, for `pair`, the one after it too). */
async function freePort(pair = false): Promise<number> {
  for (;;) {
    const port = await listenOnce(0);
    if (
      !pair ||
      (await listenOnce(port + 1).then(
        () => true,
        () => false,
      ))
    )
      return port;
  }
}

function listenOnce(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const { port: bound } = server.address() as { port: number };
      server.close(() => resolve(bound));
    });
  });
}

/** The pid of the process whose environment holds every given VAR=value (Linux /proc). */
function pidWithEnv(entries: Record<string, string>): number | undefined {
  const wanted = Object.entries(entries).map(([key, value]) => `${key}=${value}`);
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const environ = readFileSync(`/proc/${name}/environ`, 'utf8').split('\0');
      if (wanted.every((entry) => environ.includes(entry))) return Number(name);
    } catch {
      // gone meanwhile, or not ours
    }
  }
  return undefined;
}

interface InstancesView {
  instances: Array<{ instance_id: string; shards: number; sessions: number }>;
}

describe('make run (scripts/run-local.js): supervises the local fleet (real processes)', function () {
  this.timeout(240_000);
  let prefix: string;
  let dataDir: string;
  let ports: Record<'ingress' | 'worker' | 'dispatcher' | 'backup' | 's3' | 'sim' | 'whatsapp', number>;
  let run: ServiceProcess | undefined;
  let api: string;

  const call = async (pathname: string, init: RequestInit = {}): Promise<Response> =>
    fetch(`${api}${pathname}`, {
      ...init,
      headers: { Authorization: `Bearer ${API_KEY}`, 'Content-Type': 'application/json' },
      signal: AbortSignal.timeout(5_000),
    });
  const instances = async (): Promise<InstancesView['instances']> => ((await (await call('/api/instances')).json()) as InstancesView).instances;

  before(async () => {
    prefix = freshPrefix('runlocal');
    dataDir = await mkdtemp(path.join(tmpdir(), 'fleet-run-local-'));
    ports = {
      ingress: await freePort(),
      worker: await freePort(true),
      dispatcher: await freePort(),
      backup: await freePort(),
      s3: await freePort(),
      sim: await freePort(),
      whatsapp: await freePort(),
    };
    api = `http://127.0.0.1:${ports.ingress}`;
  });

  after(async () => {
    if (run) await run.stop('SIGINT');
    const redis = new Redis(TEST_REDIS_URL);
    await cleanPrefix(redis, prefix);
    redis.disconnect();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps running when a worker is killed -9, shows its shards moving, restarts it, and stops in order on Ctrl-C', async () => {
    run = startProcess(path.join(ROOT, 'scripts/run-local.js'), {
      REDIS_URL: TEST_REDIS_URL,
      REDIS_PREFIX: prefix,
      SHARD_COUNT: '16',
      HEARTBEAT_TTL_MS: '3000',
      API_KEYS: API_KEY,
      LOG_LEVEL: 'error',
      LOCAL_DATA_DIR: dataDir,
      INGRESS_PORT: String(ports.ingress),
      WORKER_PORT: String(ports.worker),
      DISPATCHER_PORT: String(ports.dispatcher),
      BACKUP_PORT: String(ports.backup),
      LOCAL_S3_PORT: String(ports.s3),
      SIM_PORT: String(ports.sim),
      // Nothing listens there: no simulator is started, and sessions just keep trying to connect.
      WA_WEBSOCKET_URL: `ws://127.0.0.1:${ports.whatsapp}/ws/chat`,
    });
    await run.waitForLine(/Fleet is running/, 120_000);

    // With WA_WEBSOCKET_URL set no simulator runs, so no simulator address or scan step is printed.
    const banner = run.output().slice(run.output().indexOf('Fleet is running'));
    expect(banner).to.include(`WhatsApp    ws://127.0.0.1:${ports.whatsapp}/ws/chat (WA_WEBSOCKET_URL; no simulator started)`);
    expect(banner).to.not.match(/admin http|\/admin\/scan|virtual phone/);
    // Every process it started, with the address it listens on, and the console and Swagger UI.
    for (const line of [
      `ingress     ${api}   (OpenAPI: ${api}/openapi.json, Swagger UI: ${api}/docs)`,
      `console     ${api}/console/`,
      `workers     http://127.0.0.1:${ports.worker}/health  http://127.0.0.1:${ports.worker + 1}/health`,
      `dispatcher  http://127.0.0.1:${ports.dispatcher}/health`,
      `backup      http://127.0.0.1:${ports.backup}/health`,
      `S3          s3rver at http://127.0.0.1:${ports.s3}`,
      `Redis       ${TEST_REDIS_URL} (REDIS_URL; no Redis started)`,
      `API key     ${API_KEY}   (admin key; in API_KEYS)`,
    ]) {
      expect(banner).to.include(line);
    }
    for (const page of ['/docs', '/console/']) {
      const answer = await fetch(`${api}${page}`, { signal: AbortSignal.timeout(5_000) });
      expect(answer.status, page).to.equal(200);
      expect(answer.headers.get('content-type'), page).to.include('text/html');
    }

    // Uploads go to the media bucket on the local S3 server, and the signed link in the answer works.
    const upload = new FormData();
    upload.append('workspace_id', '5');
    upload.append('type', 'image');
    upload.append('file', new Blob([Buffer.from('png bytes')], { type: 'image/png' }), 'p.png');
    const stored = await fetch(`${api}/api/media`, {
      method: 'POST',
      body: upload,
      headers: { Authorization: `Bearer ${API_KEY}` },
      signal: AbortSignal.timeout(10_000),
    });
    expect(stored.status, await stored.clone().text()).to.equal(201);
    const { url } = (await stored.json()) as { url: string };
    expect(url.startsWith(`${api}/media/`)).to.equal(true);
    expect(await (await fetch(url, { signal: AbortSignal.timeout(5_000) })).text()).to.equal('png bytes');
    expect((await readFile(path.join(dataDir, 'media-signing-secret'), 'utf8')).trim()).to.match(/^[0-9a-f]{64}$/);
    expect((await readFile(path.join(dataDir, 'session-secrets-key'), 'utf8')).trim(), 'one proxy-sealing key for the ingress and the workers').to.match(
      /^[0-9a-f]{64}$/,
    );

    for (let workspace = 1; workspace <= 8; workspace += 1) {
      const created = await call('/api/sessions/create', {
        method: 'POST',
        body: JSON.stringify({ session_id: `rl-${workspace}`, workspace_id: workspace, account_id: '1' }),
      });
      expect(created.status).to.equal(202);
    }
    await waitFor(async () => (await instances()).length === 2, { what: 'two workers registered' });
    await run.waitForLine(/\[fleet\] instance-1 \d+ shards, \d+ sessions.*\| instance-2 \d+ shards/, 10_000);

    const pid = pidWithEnv({ REDIS_PREFIX: prefix, INSTANCE_ID: 'instance-1' });
    expect(pid, 'pid of instance-1').to.be.a('number');
    expect(run.output()).to.include(`[instance-1] started (pid ${pid})`);
    process.kill(pid!, 'SIGKILL');
    await run.waitForLine(/\[instance-1\] exited \(SIGKILL\); restarting in \d+ s/, 5_000);

    // The rest keeps answering while instance-1 is down, and instance-2 takes every shard.
    await waitFor(
      async () => {
        const health = await fetch(`${api}/health`, { signal: AbortSignal.timeout(2_000) });
        expect(health.status).to.equal(200);
        const live = await instances();
        return live.length === 1 && live[0]!.instance_id === 'instance-2' && live[0]!.shards === 16;
      },
      { what: 'instance-2 owning every shard', timeoutMs: 15_000 },
    );
    await run.waitForLine(/\[fleet\] instance-1 down \| instance-2 16 shards, 8 sessions/, 5_000);

    // instance-1 comes back by itself under its name and gets shards back.
    await waitFor(() => (run!.output().match(/\[instance-1\] fleet worker instance-1 ready on/g) ?? []).length === 2, {
      what: 'instance-1 restarted',
      timeoutMs: 30_000,
    });
    await waitFor(async () => (await instances()).some((instance) => instance.instance_id === 'instance-1' && instance.shards > 0), {
      what: 'instance-1 owning shards again',
      timeoutMs: 20_000,
    });
    const restartedPid = pidWithEnv({ REDIS_PREFIX: prefix, INSTANCE_ID: 'instance-1' });
    expect(restartedPid).to.be.a('number').and.not.equal(pid);

    // Ctrl-C: everything stops (the workers drain first), and run-local exits 0.
    const code = await Promise.race([run.stop('SIGINT'), new Promise<string>((resolve) => setTimeout(() => resolve('timeout'), 45_000))]);
    expect(code, run.output().slice(-3000)).to.equal(0);
    run = undefined;
    expect(pidWithEnv({ REDIS_PREFIX: prefix }), 'a process of the fleet still running after Ctrl-C').to.equal(undefined);
    const stillUp = await fetch(`${api}/health`, { signal: AbortSignal.timeout(2_000) }).then(
      () => true,
      () => false,
    );
    expect(stillUp, 'ingress still answering after Ctrl-C').to.equal(false);
  });
});

/** The supervisor of scripts/run-local.js on its own, with a process that keeps dying (real child processes). */
describe('make run: restart policy of its supervisor (scripts/run-local-supervisor.js)', function () {
  this.timeout(30_000);
  // A plain-Node script (make run works before anything is compiled), loaded as it is.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Supervisor } = require(path.join(ROOT, 'scripts/run-local-supervisor.js')) as { Supervisor: new (options: object) => SupervisorLike };
  interface SupervisorLike {
    start(spec: object): Promise<void>;
    stop(timeoutMs?: number): Promise<void>;
  }
  const supervisors: SupervisorLike[] = [];
  const supervise = (options: object): SupervisorLike => {
    const supervisor = new Supervisor({ cwd: ROOT, onFatal: () => undefined, ...options });
    supervisors.push(supervisor);
    return supervisor;
  };
  afterEach(async () => {
    await Promise.all(supervisors.splice(0).map((supervisor) => supervisor.stop(2_000)));
  });
  const sink = (): { write(chunk: string): boolean; text: string } => ({
    text: '',
    write(chunk) {
      this.text += chunk;
      return true;
    },
  });
  const dying = (code: number, afterMs: number) => ({
    name: 'flaky',
    command: process.execPath,
    args: ['-e', `console.log('ready'); setTimeout(() => process.exit(${code}), ${afterMs})`],
    ready: /ready/,
    restart: true,
  });

  it('restarts a process that keeps dying with a growing delay, and leaves it down after the cap of rapid restarts', async () => {
    const out = sink();
    const err = sink();
    const supervisor = supervise({ stdout: out, stderr: err, restartDelayMs: 100, maxDelayMs: 300, stableMs: 20_000, maxRapidRestarts: 3 });
    await supervisor.start(dying(3, 50));
    await waitFor(() => err.text.includes('not restarting'), { what: 'the supervisor giving up', timeoutMs: 10_000 });
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(err.text.split('\n').filter(Boolean)).to.deep.equal([
      '[flaky] exited (3); restarting in 0.1 s',
      '[flaky] restarting',
      '[flaky] exited (3); restarting in 0.2 s',
      '[flaky] restarting',
      '[flaky] exited (3); restarting in 0.3 s',
      '[flaky] restarting',
      '[flaky] exited (3), 4 times in a row within 20 s of starting; not restarting it (the rest keeps running)',
    ]);
    expect(out.text.match(/\[flaky\] ready/g)).to.have.length(4);
    expect(out.text.match(/\[flaky\] started \(pid \d+\)/g)).to.have.length(4);
  });

  it('starts a new series after a process ran longer than stableMs, and stop() cancels a pending restart', async () => {
    const err = sink();
    const supervisor = supervise({ stdout: sink(), stderr: err, restartDelayMs: 200, stableMs: 100, maxRapidRestarts: 1 });
    await supervisor.start(dying(1, 300));
    await waitFor(() => (err.text.match(/restarting in 0\.2 s/g) ?? []).length === 2, {
      what: 'two restarts, each the first of its series',
      timeoutMs: 10_000,
    });
    await supervisor.stop();
    const stoppedAt = err.text;
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(err.text).to.equal(stoppedAt);
  });

  it('reports the death of a process that is not restarted (Redis, the simulator) to its owner', async () => {
    const fatal: string[] = [];
    const supervisor = supervise({ stdout: sink(), stderr: sink(), onFatal: (name: string, how: string) => fatal.push(`${name} ${how}`) });
    await supervisor.start({ ...dying(0, 50), name: 'simulator', restart: false });
    await waitFor(() => fatal.length === 1, { what: 'the fatal report' });
    expect(fatal).to.deep.equal(['simulator 0']);
  });
});
