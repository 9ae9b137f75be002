import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MEDIA_CA_PATH, SimulatorClient } from '@fleet/simulator';
import { startProcess, waitFor, type ServiceProcess } from '@fleet/testing';
import { JsonClient } from './json-client';

/** The media bucket of a local fleet's S3 server. */
const MEDIA_BUCKET = 'fleet-media';

/** Pairing waits (QR, connected): generous, since a loaded 2-core machine can be slow to answer. */
const PAIR_TIMEOUT_MS = 90_000;

const binOf = (pkg: string): string => path.join(path.dirname(require.resolve(pkg)), 'bin.js');

export interface LocalFleetOptions {
  readonly redisUrl: string;
  readonly prefix: string;
  readonly workers: number;
  readonly maxSessionsPerWorker?: number;
  readonly logLevel?: string;
  /** Extra environment for the ingress and every worker (PROXY_ALLOW is loopback unless set here). */
  readonly extraEnv?: Record<string, string>;
  /** Extra environment for the workers only (e.g. HEARTBEAT_TTL_MS, NODE_OPTIONS). */
  readonly workerEnv?: Record<string, string>;
  /** Extra environment for the simulator (SIM_*). */
  readonly simulatorEnv?: Record<string, string>;
}

export interface LocalFleet {
  readonly ingressUrl: string;
  readonly apiKey: string;
  readonly simulator: SimulatorClient;
  readonly simulatorAdminUrl: string;
  /** SESSION_STORAGE_PATH shared by every worker. */
  readonly storagePath: string;
  /** The fleet's own S3 server (s3rver; credentials S3RVER/S3RVER): the media bucket, and backups when a test starts a backup service. */
  readonly s3Endpoint: string;
  readonly processes: ReadonlyMap<string, ServiceProcess>;
  /** Base URL of a worker's own HTTP server (`/health`, `/metrics`). */
  workerUrl(instanceId: string): string;
  api(method: string, route: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** Creates a session, scans its QR with a virtual phone and waits until it is connected. */
  pair(sessionId: string, workspaceId: number, phone: string): Promise<void>;
  /** Starts one more worker process (a join). */
  addWorker(instanceId: string): Promise<void>;
  /** Stops a worker with `signal` (SIGTERM drains, SIGKILL crashes) without starting it again. */
  stopWorker(instanceId: string, signal?: NodeJS.Signals): Promise<void>;
  /** Stops a worker with `signal` (SIGTERM drains, SIGKILL crashes) and starts it again under the same INSTANCE_ID. */
  restartWorker(instanceId: string, signal?: NodeJS.Signals): Promise<void>;
  close(): Promise<void>;
}

/** The simulator, the ingress and N workers as separate processes on loopback: the real fleet. */
export async function startLocalFleet(options: LocalFleetOptions): Promise<LocalFleet> {
  const dir = await mkdtemp(path.join(tmpdir(), 'fleet-local-'));
  const storagePath = path.join(dir, 'sessions');
  const apiKey = `bench-${options.prefix}-0123456789`;
  const processes = new Map<string, ServiceProcess>();
  const workerUrls = new Map<string, string>();
  // Media: a local S3 server (s3rver) for the media store, its own per fleet.
  const s3 = startProcess(require.resolve('s3rver/bin/s3rver.js'), {}, [
    '-d',
    path.join(dir, 's3'),
    '-a',
    '127.0.0.1',
    '-p',
    '0',
    '--configure-bucket',
    MEDIA_BUCKET,
  ]);
  processes.set('s3', s3);
  const s3Address = (await s3.waitForLine(/S3rver listening on \S+/)).match(/listening on (\S+)/)![1]!;
  const mediaEnv = {
    S3_ENDPOINT: `http://${s3Address}`,
    S3_ACCESS_KEY_ID: 'S3RVER',
    S3_SECRET_ACCESS_KEY: 'S3RVER',
    MEDIA_S3_BUCKET: MEDIA_BUCKET,
    MEDIA_SIGNING_SECRET: `local-fleet-media-signing-${options.prefix}-0123456789`,
  };
  // Seals the sessions' proxy URLs in the ingress, opened by the workers: one key per fleet.
  const secrets = { SESSION_SECRETS_KEY: createHash('sha256').update(`local-fleet-${options.prefix}`).digest('hex') };
  // Sessions' proxies in tests run on this machine: loopback is allowed (extraEnv may say otherwise), nothing else non-public.
  const proxies = { PROXY_ALLOW: '127.0.0.1,::1,localhost' };
  const common = {
    REDIS_URL: options.redisUrl,
    REDIS_PREFIX: options.prefix,
    LOG_LEVEL: options.logLevel ?? 'warn',
    ...mediaEnv,
    ...secrets,
    ...proxies,
    ...options.extraEnv,
  };
  const sim = startProcess(binOf('@fleet/simulator'), { SIM_PORT: '0', SIM_LOG_LEVEL: 'warn', ...options.simulatorEnv });
  processes.set('simulator', sim);
  const wsUrl = (await sim.waitForLine(/ws:\/\/\S+/)).trim();
  const adminUrl = (await sim.waitForLine(/http:\/\/\S+\/admin/)).trim();
  const ingress = startProcess(binOf('@fleet/ingress'), { ...common, API_KEYS: apiKey, INGRESS_HOST: '127.0.0.1', INGRESS_PORT: '0' });
  processes.set('ingress', ingress);
  const ingressUrl = (await ingress.waitForLine(/http:\/\/127\.0\.0\.1:\d+/)).trim();

  const startWorker = async (instanceId: string): Promise<void> => {
    const env = {
      ...common,
      INSTANCE_ID: instanceId,
      SESSION_STORAGE_PATH: storagePath,
      WORKER_HOST: '127.0.0.1',
      WORKER_PORT: '0',
      WA_WEBSOCKET_URL: wsUrl,
      // The simulator's media host has a test certificate; signed links point at this fleet's ingress.
      WA_MEDIA_CA_FILE: MEDIA_CA_PATH,
      PUBLIC_BASE_URL: ingressUrl,
      MAX_SESSIONS_PER_INSTANCE: String(options.maxSessionsPerWorker ?? 5000),
      ...options.workerEnv,
    };
    const worker = startProcess(binOf('@fleet/worker'), env);
    processes.set(instanceId, worker);
    const ready = await worker.waitForLine(/ready on \S+/);
    workerUrls.set(instanceId, ready.replace(/^ready on /, '').trim());
  };
  for (let i = 1; i <= options.workers; i += 1) await startWorker(`instance-${i}`);

  const simulator = new SimulatorClient(adminUrl);
  const client = new JsonClient(ingressUrl, { authorization: `Bearer ${apiKey}` });
  const api: LocalFleet['api'] = (method, route, body) => client.request(method, route, body);
  const liveWorkers = async (): Promise<number> => (await api('GET', '/api/instances')).body.instances.length;
  await waitFor(async () => (await liveWorkers()) === options.workers, { what: 'workers registered' });

  return {
    ingressUrl,
    apiKey,
    simulator,
    simulatorAdminUrl: adminUrl,
    storagePath,
    s3Endpoint: mediaEnv.S3_ENDPOINT,
    processes,
    api,
    workerUrl(instanceId) {
      const url = workerUrls.get(instanceId);
      if (!url) throw new Error(`no worker ${instanceId}`);
      return url;
    },
    async pair(sessionId, workspaceId, phone) {
      const created = await api('POST', '/api/sessions/create', { session_id: sessionId, workspace_id: workspaceId, account_id: '1' });
      if (created.status >= 300) throw new Error(`create ${sessionId}: ${created.status} ${JSON.stringify(created.body)}`);
      // A long poll: the answer comes when the worker writes the QR (or after 10 s, then again).
      const qr = await waitFor(
        async () => {
          const answer = await api('GET', `/api/sessions/${sessionId}/qr?format=raw&wait=10`);
          return answer.status === 200 ? (answer.body.qr as string) : '';
        },
        { what: `QR of ${sessionId}`, timeoutMs: PAIR_TIMEOUT_MS },
      );
      await simulator.scan(qr, phone);
      await waitFor(async () => (await api('GET', `/api/sessions/${sessionId}/status`)).body.status === 'connected', {
        what: `${sessionId} connected`,
        timeoutMs: PAIR_TIMEOUT_MS,
      });
    },
    addWorker: startWorker,
    async stopWorker(instanceId, signal = 'SIGTERM') {
      const worker = processes.get(instanceId);
      if (!worker) throw new Error(`no worker ${instanceId}`);
      await worker.stop(signal);
      processes.delete(instanceId);
    },
    async restartWorker(instanceId, signal = 'SIGTERM') {
      const worker = processes.get(instanceId);
      if (!worker) throw new Error(`no worker ${instanceId}`);
      await worker.stop(signal);
      await startWorker(instanceId);
    },
    async close() {
      client.close();
      const order = [...processes.entries()].reverse();
      for (const [, child] of order) await child.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
