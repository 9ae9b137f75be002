import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SimulatorClient } from '@fleet/simulator';
import { startProcess, waitFor, type ServiceProcess } from '@fleet/testing';

const binOf = (pkg: string): string => path.join(path.dirname(require.resolve(pkg)), 'bin.js');

export interface LocalFleetOptions {
  readonly redisUrl: string;
  readonly prefix: string;
  readonly workers: number;
  readonly maxSessionsPerWorker?: number;
  readonly logLevel?: string;
  readonly extraEnv?: Record<string, string>;
}

export interface LocalFleet {
  readonly ingressUrl: string;
  readonly apiKey: string;
  readonly simulator: SimulatorClient;
  readonly processes: ReadonlyMap<string, ServiceProcess>;
  api(method: string, route: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** Creates a session, scans its QR with a virtual phone and waits until it is connected. */
  pair(sessionId: string, workspaceId: number, phone: string): Promise<void>;
  close(): Promise<void>;
}

/** The simulator, the ingress and N workers as separate processes on loopback: the real fleet. */
export async function startLocalFleet(options: LocalFleetOptions): Promise<LocalFleet> {
  const dir = await mkdtemp(path.join(tmpdir(), 'fleet-local-'));
  const apiKey = `bench-${options.prefix}-0123456789`;
  const processes = new Map<string, ServiceProcess>();
  const common = { REDIS_URL: options.redisUrl, REDIS_PREFIX: options.prefix, LOG_LEVEL: options.logLevel ?? 'warn', ...options.extraEnv };
  const sim = startProcess(binOf('@fleet/simulator'), { SIM_PORT: '0', SIM_LOG_LEVEL: 'warn' });
  processes.set('simulator', sim);
  const wsUrl = (await sim.waitForLine(/ws:\/\/\S+/)).trim();
  const adminUrl = (await sim.waitForLine(/http:\/\/\S+\/admin/)).trim();
  const ingress = startProcess(binOf('@fleet/ingress'), { ...common, API_KEYS: apiKey, INGRESS_HOST: '127.0.0.1', INGRESS_PORT: '0' });
  processes.set('ingress', ingress);
  const ingressUrl = (await ingress.waitForLine(/http:\/\/127\.0\.0\.1:\d+/)).trim();
  for (let i = 1; i <= options.workers; i += 1) {
    const worker = startProcess(binOf('@fleet/worker'), {
      ...common,
      INSTANCE_ID: `instance-${i}`,
      SESSION_STORAGE_PATH: path.join(dir, 'sessions'),
      WORKER_HOST: '127.0.0.1',
      WORKER_PORT: '0',
      WA_WEBSOCKET_URL: wsUrl,
      MAX_SESSIONS_PER_INSTANCE: String(options.maxSessionsPerWorker ?? 5000),
    });
    processes.set(`instance-${i}`, worker);
    await worker.waitForLine(/ready on/);
  }
  const simulator = new SimulatorClient(adminUrl);
  const api: LocalFleet['api'] = async (method, route, body) => {
    const response = await fetch(`${ingressUrl}${route}`, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  };
  await waitFor(async () => (await api('GET', '/api/instances')).body.instances.length === options.workers, { what: 'workers registered' });

  return {
    ingressUrl,
    apiKey,
    simulator,
    processes,
    api,
    async pair(sessionId, workspaceId, phone) {
      const created = await api('POST', '/api/sessions/create', { session_id: sessionId, workspace_id: workspaceId, account_id: '1' });
      if (created.status >= 300) throw new Error(`create ${sessionId}: ${created.status} ${JSON.stringify(created.body)}`);
      const qr = await waitFor(async () => (await api('GET', `/api/sessions/${sessionId}/status`)).body.qr as string, { what: `QR of ${sessionId}`, timeoutMs: 30_000 });
      await simulator.scan(qr, phone);
      await waitFor(async () => (await api('GET', `/api/sessions/${sessionId}/status`)).body.status === 'connected', { what: `${sessionId} connected`, timeoutMs: 30_000 });
    },
    async close() {
      const order = [...processes.entries()].reverse();
      for (const [, child] of order) await child.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
