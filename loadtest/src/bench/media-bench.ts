import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { createRedis } from '@fleet/redis';
import { cleanPrefix, freshPrefix } from '@fleet/testing';
import { startLocalFleet, type LocalFleet } from '../harness/local-fleet';
import { cpuMsOf, mapLimit, redisCpuMs, metricValue, peakRssOf, resetPeakRss, rssOf, runAtIdlePriority, sleep } from './bench-util';
import { localRedisPid } from './cost';
import { EventFeed } from './media-events';
import type { CpuUse, DocsResult, InboundResult, MediaBenchOptions, MediaBenchResult, SendsResult } from './media-types';

export type { MediaBenchOptions, MediaBenchResult } from './media-types';

interface Paired {
  readonly id: string;
  readonly workspace: number;
  readonly phone: string;
  readonly contact: string;
}

/** A media id per workspace: uploaded once each with POST /api/media, then sent by id. */
type Uploads = ReadonlyMap<number, string>;

const pad = (i: number): string => String(i).padStart(4, '0');

async function upload(fleet: LocalFleet, workspace: number, bytes: Buffer, type: string, mimetype: string, filename: string): Promise<string> {
  const form = new FormData();
  form.set('workspace_id', String(workspace));
  form.set('type', type);
  form.set('file', new Blob([bytes], { type: mimetype }), filename);
  const answer = await fetch(`${fleet.ingressUrl}/api/media`, { method: 'POST', headers: { authorization: `Bearer ${fleet.apiKey}` }, body: form }).catch(
    (error: Error) => {
      throw new Error(`upload to workspace ${workspace}: ${error.message} (${String(error.cause)})`, { cause: error });
    },
  );
  const body = (await answer.json()) as { media_id?: string };
  if (answer.status !== 201 || !body.media_id) throw new Error(`upload to workspace ${workspace}: ${answer.status} ${JSON.stringify(body)}`);
  return body.media_id;
}

async function uploadEach(fleet: LocalFleet, workspaces: readonly number[], bytes: Buffer, type: string, mimetype: string, filename: string): Promise<Uploads> {
  const ids = new Map<number, string>();
  for (const workspace of workspaces) ids.set(workspace, await upload(fleet, workspace, bytes, type, mimetype, filename));
  return ids;
}

/** The processes whose CPU is counted, and how to read each. Redis's by its pid, or INFO cpu when /proc cannot see it. */
function cpuReader(fleet: LocalFleet, redis: Redis, redisPid: number | undefined): () => Promise<CpuUse> {
  const pidOf = (name: string): number => fleet.processes.get(name)!.child.pid!;
  const redisCpu = async (): Promise<number> => {
    if (redisPid !== undefined) {
      try {
        return await cpuMsOf(redisPid);
      } catch {
        // another pid namespace: fall through to INFO
      }
    }
    return redisCpuMs(redis);
  };
  return async () => ({
    ingress: await cpuMsOf(pidOf('ingress')),
    worker: await cpuMsOf(pidOf('instance-1')),
    redis: await redisCpu(),
    simulator: await cpuMsOf(pidOf('simulator')),
    s3: await cpuMsOf(pidOf('s3')),
  });
}

const minus = (after: CpuUse, before: CpuUse): CpuUse => ({
  ingress: after.ingress - before.ingress,
  worker: after.worker - before.worker,
  redis: after.redis - before.redis,
  simulator: after.simulator - before.simulator,
  s3: after.s3 - before.s3,
});

async function pairAll(fleet: LocalFleet, options: MediaBenchOptions): Promise<Paired[]> {
  const sessions = Array.from({ length: options.sessions }, (_, i) => ({
    id: `media-${i}`,
    workspace: 1 + (i % options.workspaces),
    phone: `1555020${pad(i)}`,
    contact: `1555030${pad(i)}`,
  }));
  await mapLimit(sessions, 8, (session) => fleet.pair(session.id, session.workspace, session.phone));
  return sessions;
}

/**
 * Sends `bodies` open loop (body k leaves at start + k/rate whatever the answers) and waits until
 * every accepted one is delivered or failed. CPU is counted from the first request to the last
 * delivery seen.
 */
async function timedSends(
  fleet: LocalFleet,
  feed: EventFeed,
  cpuNow: () => Promise<CpuUse>,
  bodies: ReadonlyArray<Record<string, unknown>>,
  rate: number,
  settleMs: number,
): Promise<SendsResult> {
  await feed.skipToNow();
  const cpu0 = await cpuNow();
  const begin = Date.now();
  const sends: Array<Promise<{ id: string; started: number } | undefined>> = [];
  for (let k = 0; k < bodies.length; k += 1) {
    const due = begin + (k * 1000) / rate;
    if (due > Date.now()) await sleep(due - Date.now());
    const started = Date.now();
    sends.push(
      fleet.api('POST', '/api/messages/send', bodies[k]).then(
        (answer) => (answer.status === 202 ? { id: answer.body.message_id as string, started } : undefined),
        () => undefined,
      ),
    );
  }
  const achievedRate = bodies.length / Math.max(0.001, (Date.now() - begin) / 1000);
  const accepted = (await Promise.all(sends)).filter((entry) => entry !== undefined);
  await feed.until(() => accepted.every((entry) => feed.delivered.has(entry.id) || feed.failed.has(entry.id)), settleMs);
  const cpu = minus(await cpuNow(), cpu0);
  const toDelivered = accepted.flatMap((entry) => {
    const at = feed.delivered.get(entry.id);
    return at === undefined ? [] : [at - entry.started];
  });
  const failed = accepted.filter((entry) => feed.failed.has(entry.id)).length;
  return {
    count: bodies.length,
    accepted: accepted.length,
    toDelivered,
    failed: failed + bodies.length - accepted.length,
    missing: accepted.length - toDelivered.length - failed,
    achievedRate,
    cpu,
  };
}

const imageBody = (session: Paired, uploads: Uploads, k: number): Record<string, unknown> => ({
  session_id: session.id,
  to: `+${session.contact}`,
  type: 'image',
  text: `bench image ${k}`,
  media: { id: uploads.get(session.workspace) },
});

/** (a) 1 MB images at `sendRate`/s, round-robin over the sessions, by media id. */
async function imageSends(
  fleet: LocalFleet,
  feed: EventFeed,
  cpuNow: () => Promise<CpuUse>,
  sessions: readonly Paired[],
  options: MediaBenchOptions,
): Promise<SendsResult> {
  const uploads = await uploadEach(fleet, [...new Set(sessions.map((s) => s.workspace))], randomBytes(options.imageBytes), 'image', 'image/jpeg', 'bench.jpg');
  if (options.warmupSends > 0) {
    options.log(`  warm-up: ${options.warmupSends} image sends, not measured`);
    const warm = Array.from({ length: options.warmupSends }, (_, k) => imageBody(sessions[k % sessions.length]!, uploads, k));
    await timedSends(fleet, feed, cpuNow, warm, options.sendRate, options.settleMs);
  }
  options.log(`  (a) ${options.sends} image sends at ${options.sendRate}/s`);
  const bodies = Array.from({ length: options.sends }, (_, k) => imageBody(sessions[k % sessions.length]!, uploads, k));
  return timedSends(fleet, feed, cpuNow, bodies, options.sendRate, options.settleMs);
}

/** (b) `docs` documents at once, one per session, the worker's RSS sampled throughout. */
async function documentBurst(
  fleet: LocalFleet,
  feed: EventFeed,
  cpuNow: () => Promise<CpuUse>,
  sessions: readonly Paired[],
  pid: number,
  options: MediaBenchOptions,
): Promise<DocsResult> {
  const senders = sessions.slice(0, options.docs);
  const uploads = await uploadEach(
    fleet,
    [...new Set(senders.map((s) => s.workspace))],
    randomBytes(options.docBytes),
    'document',
    'application/pdf',
    'bench.pdf',
  );
  const before: number[] = [];
  for (let i = 0; i < 10; i += 1) {
    before.push(await rssOf(pid));
    await sleep(100);
  }
  const baselineRss = before.reduce((sum, value) => sum + value, 0) / before.length;
  const workerMetrics = (): Promise<string> =>
    fetch(`${fleet.workerUrl('instance-1')}/metrics`).then(
      (r) => r.text(),
      () => '',
    );
  const idle = await workerMetrics();
  const heapBefore = metricValue(idle, 'nodejs_heap_size_used_bytes');
  const externalBefore = metricValue(idle, 'nodejs_external_memory_bytes');
  const hwmReset = await resetPeakRss(pid);
  let sampledPeakRss = Math.max(...before);
  let samples = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      sampledPeakRss = Math.max(sampledPeakRss, await rssOf(pid).catch(() => 0));
      samples += 1;
      await sleep(options.rssIntervalMs);
    }
  })();
  // What the RSS is made of: the worker's heap and its Buffers (off-heap), once a second.
  let heapUsed = 0;
  let external = 0;
  const metrics = (async () => {
    while (sampling) {
      const text = await workerMetrics();
      heapUsed = Math.max(heapUsed, metricValue(text, 'nodejs_heap_size_used_bytes'));
      external = Math.max(external, metricValue(text, 'nodejs_external_memory_bytes'));
      await sleep(1_000);
    }
  })();
  options.log(`  (b) ${senders.length} documents of ${(options.docBytes / 2 ** 20).toFixed(0)} MiB at once`);
  const bodies = senders.map((session) => ({
    session_id: session.id,
    to: `+${session.contact}`,
    type: 'document',
    filename: 'bench.pdf',
    media: { id: uploads.get(session.workspace) },
  }));
  let sends: SendsResult;
  try {
    // An infinite rate: every request leaves at once.
    sends = await timedSends(fleet, feed, cpuNow, bodies, Number.POSITIVE_INFINITY, options.settleMs);
  } finally {
    sampling = false;
    await Promise.all([sampler, metrics]);
  }
  const kernelPeakRss = hwmReset ? await peakRssOf(pid) : undefined;
  return { ...sends, baselineRss, sampledPeakRss, kernelPeakRss, samples, heapBefore, externalBefore, heapUsed, external };
}

/** (c) inbound images injected at the simulator over `inboundSessions` sessions, until every one is stored. */
async function inboundImages(
  fleet: LocalFleet,
  feed: EventFeed,
  cpuNow: () => Promise<CpuUse>,
  sessions: readonly Paired[],
  options: MediaBenchOptions,
): Promise<InboundResult> {
  const targets = sessions.slice(0, options.inboundSessions);
  await feed.skipToNow();
  options.log(`  (c) ${options.inbound} inbound images of ${(options.inboundBytes / 1024).toFixed(0)} KiB over ${targets.length} sessions`);
  const cpu0 = await cpuNow();
  const begin = Date.now();
  const sent = await mapLimit(
    Array.from({ length: options.inbound }, (_, k) => k),
    options.injectConcurrency,
    async (k) => {
      const session = targets[k % targets.length]!;
      const result = await fleet.simulator.incoming(session.phone, {
        type: 'image',
        from: session.contact,
        caption: `inbound ${k}`,
        size: options.inboundBytes,
        mimetype: 'image/jpeg',
      });
      return { id: result.id, sha256: result.media?.sha256, size: result.media?.size };
    },
  );
  await feed.until(() => sent.every((entry) => feed.received.get(entry.id)?.availableAt !== undefined), options.settleMs);
  const cpu = minus(await cpuNow(), cpu0);
  const stored = sent.map((entry) => ({ entry, got: feed.received.get(entry.id) })).filter(({ got }) => got?.availableAt !== undefined);
  const mismatched = stored.filter(({ entry, got }) => got!.sha256 !== entry.sha256 || got!.size !== entry.size).length;
  const last = Math.max(begin, ...stored.map(({ got }) => got!.availableAt!));
  return { count: options.inbound, sessions: targets.length, stored: stored.length, mismatched, wallMs: last - begin, cpu };
}

/**
 * The media bench: the simulator, the ingress, one worker and an S3 server (the media store) as
 * separate processes, `sessions` paired; then (a) image sends at a fixed rate, (b) a burst of large
 * documents with the worker's RSS watched, (c) inbound images until every one is stored. Fleet's CPU
 * is the ingress's, the worker's and Redis's.
 */
export async function runMediaBench(options: MediaBenchOptions): Promise<MediaBenchResult> {
  if (options.parts.has('docs') && options.docs > options.sessions)
    throw new Error(`${options.docs} documents at once need as many sessions (one message at a time per session), got ${options.sessions}`);
  if (options.parts.has('inbound') && options.inboundSessions > options.sessions)
    throw new Error(`inbound over ${options.inboundSessions} sessions needs as many, got ${options.sessions}`);
  const prefix = freshPrefix('bench-media');
  const largest = options.parts.has('docs') ? options.docs * options.docBytes : 0;
  const fleet = await startLocalFleet({
    redisUrl: options.redisUrl,
    prefix,
    workers: 1,
    logLevel: 'error',
    // The simulator's media host keeps every blob of a burst until the recipients verified it.
    simulatorEnv: {
      SIM_MEDIA_STORE_MB: String(Math.max(256, Math.ceil(largest / 2 ** 20) + 256)),
      SIM_IDENTITY_POOL: String(Math.max(512, options.sessions * 2 + 64)),
    },
  });
  const redis = createRedis(options.redisUrl);
  try {
    const pid = fleet.processes.get('instance-1')!.child.pid!;
    const idleApplied = options.idle && runAtIdlePriority(fleet.processes.get('simulator')!.child.pid!) && runAtIdlePriority(process.pid);
    const cpuNow = cpuReader(fleet, redis, await localRedisPid(redis));
    options.log(`pairing ${options.sessions} sessions over ${options.workspaces} workspaces`);
    const sessions = await pairAll(fleet, options);
    const feed = new EventFeed(fleet, [...new Set(sessions.map((s) => s.workspace))]);
    // One text per session first: the Signal sessions with the contacts exist before anything is timed.
    await timedSends(
      fleet,
      feed,
      cpuNow,
      sessions.map((s) => ({ session_id: s.id, to: `+${s.contact}`, text: 'hello' })),
      50,
      options.settleMs,
    );
    const result: { sends?: SendsResult; docs?: DocsResult; inbound?: InboundResult } = {};
    if (options.parts.has('sends')) result.sends = await imageSends(fleet, feed, cpuNow, sessions, options);
    if (options.parts.has('docs')) result.docs = await documentBurst(fleet, feed, cpuNow, sessions, pid, options);
    if (options.parts.has('inbound')) result.inbound = await inboundImages(fleet, feed, cpuNow, sessions, options);
    const { log: _log, parts, ...rest } = options;
    return { options: { ...rest, parts: [...parts] }, idleApplied, workerPid: pid, ...result };
  } catch (error) {
    for (const [name, service] of fleet.processes) {
      const { exitCode, signalCode } = service.child;
      const state = exitCode === null && signalCode === null ? 'running' : `exited (${exitCode ?? signalCode})`;
      options.log(`--- ${name}: ${state}, last output:\n${service.output().split('\n').slice(-15).join('\n')}`);
    }
    throw error;
  } finally {
    await fleet.close();
    await cleanPrefix(redis, prefix);
    redis.disconnect();
  }
}
