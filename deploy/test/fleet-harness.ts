import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createIngress, type Ingress } from '@fleet/ingress';
import { createSilentLogger } from '@fleet/logger';
import { readMediaConfig } from '@fleet/media';
import { cleanPrefix, freshPrefix, testRedis, TEST_REDIS_URL } from '@fleet/testing';
import { createWorker, workerConfig, type FleetWorker, type SessionConnector, type SessionHandle, type SessionHandlers, type SessionSpec } from '@fleet/worker';

export const API_KEY = 'deploy-test-key-0123456789';
export const REPO_ROOT = path.resolve(__dirname, '../../..');

/** Emits a QR, then connects after `connectAfterMs`; every sent text is acked `sent` at once. */
export class QrThenConnectConnector implements SessionConnector {
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly connectAfterMs = 50) {}

  async start(spec: SessionSpec, handlers: SessionHandlers): Promise<SessionHandle> {
    handlers.onQr(`qr-${spec.sessionId}`, Date.now() + 60_000);
    const timer = setTimeout(() => handlers.onConnected({ phone: '15550000000' }), this.connectAfterMs);
    this.timers.add(timer);
    return {
      send: async ({ messageId }) => {
        setImmediate(() => handlers.onMessageStatus(messageId, 'sent'));
        return { waMessageId: messageId };
      },
      stop: async () => clearTimeout(timer),
      logout: async () => clearTimeout(timer),
    };
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
  }
}

export interface LocalFleet {
  readonly ingressUrl: string;
  readonly workerUrl: string;
  readonly prefix: string;
  readonly storagePath: string;
  readonly ingress: Ingress;
  readonly worker: FleetWorker;
  call(method: string, route: string, body?: unknown): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

/** An ingress and one worker (instance-1) in this process, on free ports, under a fresh Redis prefix. */
export async function startLocalFleet(): Promise<LocalFleet> {
  const prefix = freshPrefix('dep');
  const common = { redisUrl: TEST_REDIS_URL, redisPrefix: prefix, logLevel: 'error' as const };
  const storage = await mkdtemp(path.join(tmpdir(), 'fleet-deploy-'));
  const ingress = createIngress(
    {
      common,
      host: '127.0.0.1',
      port: 0,
      apiKeys: [API_KEY],
      bodyLimitBytes: 65_536,
      shardCount: 8,
      heartbeatTtlMs: 5_000,
      healthSweepMs: 60_000,
      messageRetentionSeconds: 7 * 24 * 3600,
      messageBodyRetentionSeconds: 2 * 24 * 3600,
      media: readMediaConfig({}),
      backups: { ...readMediaConfig({}).s3, bucket: 'fleet-backups', prefix: 'fleet/' },
    },
    { logger: createSilentLogger() },
  );
  const worker = createWorker(
    workerConfig(
      { common, instanceId: 'instance-1', storagePath: storage },
      {
        maxSessions: 10,
        host: '127.0.0.1',
        port: 0,
        shardCount: 8,
        heartbeatTtlMs: 5_000,
        shardConcurrency: 2,
        authStateIoThreads: 2,
        credsPoolSize: 0,
        keyCacheMb: 16,
        apiKeys: [API_KEY],
      },
    ),
    { connector: new QrThenConnectConnector(), logger: createSilentLogger() },
  );
  const workerUrl = (await worker.start()).url;
  const ingressUrl = `http://127.0.0.1:${(await ingress.start()).port}`;
  return {
    ingressUrl,
    workerUrl,
    prefix,
    storagePath: storage,
    ingress,
    worker,
    async call(method, route, body) {
      const response = await fetch(`${ingressUrl}${route}`, {
        method,
        headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined };
    },
    async close() {
      await worker.close();
      await ingress.close();
      const redis = testRedis();
      await cleanPrefix(redis, prefix);
      redis.disconnect();
      await rm(storage, { recursive: true, force: true });
    },
  };
}

/** Metric families (`# TYPE` lines) of a Prometheus text exposition. */
export function familiesOf(exposition: string): Set<string> {
  return new Set([...exposition.matchAll(/^# TYPE (\S+) \S+$/gm)].map((match) => match[1]!));
}

/** The value of one sample (`name{labels} value`), matched on the exact label text; undefined if absent. */
export function sampleValue(exposition: string, name: string, labelPart: string): number | undefined {
  for (const line of exposition.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (labelPart && !line.includes(labelPart)) continue;
    return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

export interface DocumentedMetrics {
  /** Non-fleet process metrics every service must export. */
  readonly process: string[];
  /** Metric names listed per service section (ingress, worker, dispatcher, backup). */
  readonly services: Map<string, string[]>;
}

/** Reads docs/metrics.md: the first backticked name of every table row, grouped by `## section`. */
export async function documentedMetrics(): Promise<DocumentedMetrics> {
  const text = await readFile(path.join(REPO_ROOT, 'docs/metrics.md'), 'utf8');
  const services = new Map<string, string[]>();
  let process: string[] = [];
  let section = '';
  for (const line of text.split('\n')) {
    const heading = /^## (\S+)/.exec(line);
    if (heading) section = heading[1]!.toLowerCase();
    const row = /^\| `([a-z_:][a-z0-9_:]*)` \|/.exec(line);
    if (!row) continue;
    if (section === 'process') process = [...process, row[1]!];
    else services.set(section, [...(services.get(section) ?? []), row[1]!]);
  }
  return { process: process.filter((name) => !name.startsWith('fleet_')), services };
}
