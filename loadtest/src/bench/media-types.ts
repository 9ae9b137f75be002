/** What the media bench (media-bench.ts) is asked to do and what it measured; printed by media-report.ts. */

export interface MediaBenchOptions {
  readonly redisUrl: string;
  /** Sessions paired (one worker); (a) round-robins over them, (b) needs one per document. */
  readonly sessions: number;
  /** The sessions are spread over this many workspaces (a media id belongs to one workspace). */
  readonly workspaces: number;
  /** (a): size of the image sent, bytes (1 MiB). */
  readonly imageBytes: number;
  /** (a): sends per second, open loop, and how many in all. */
  readonly sendRate: number;
  readonly sends: number;
  /** Image sends before (a), not measured: the worker's code compiled, media paths warm. */
  readonly warmupSends: number;
  /** (b): documents sent at once, one per session, and their size (16 MiB). */
  readonly docs: number;
  readonly docBytes: number;
  /** (c): images injected at the simulator, their size, and over how many sessions. */
  readonly inbound: number;
  readonly inboundBytes: number;
  readonly inboundSessions: number;
  /** Admin requests injecting inbound images in flight at once. */
  readonly injectConcurrency: number;
  /** Which parts run. */
  readonly parts: ReadonlySet<'sends' | 'docs' | 'inbound'>;
  /** Simulator and this process under SCHED_IDLE (not for a test runner: every later test would inherit it). */
  readonly idle: boolean;
  /** How long (a) and (b) wait for the last delivery, and (c) for the last stored image, ms. */
  readonly settleMs: number;
  readonly rssIntervalMs: number;
  readonly log: (line: string) => void;
}

/** CPU time used during a phase, ms, per process. */
export interface CpuUse {
  readonly ingress: number;
  readonly worker: number;
  readonly redis: number;
  readonly simulator: number;
  readonly s3: number;
}

export const fleetCpu = (cpu: CpuUse): number => cpu.ingress + cpu.worker + cpu.redis;

export interface SendsResult {
  readonly count: number;
  readonly accepted: number;
  /** Send request → `message.delivered` (its `occurred_at`), ms, one per delivered message. */
  readonly toDelivered: number[];
  readonly failed: number;
  readonly missing: number;
  readonly achievedRate: number;
  readonly cpu: CpuUse;
}

export interface DocsResult extends SendsResult {
  readonly baselineRss: number;
  /** Largest VmRSS sampled every `rssIntervalMs`. */
  readonly sampledPeakRss: number;
  /** The kernel's peak (VmHWM, reset at the baseline); undefined when it could not be reset. */
  readonly kernelPeakRss: number | undefined;
  readonly samples: number;
  /** Heap used and external (Buffer) memory of the worker (its /metrics): before the burst, and the largest of 1 s samples during it. */
  readonly heapBefore: number;
  readonly externalBefore: number;
  readonly heapUsed: number;
  readonly external: number;
}

export interface InboundResult {
  readonly count: number;
  readonly sessions: number;
  readonly stored: number;
  /** Stored with another SHA-256 or size than the simulator sent. */
  readonly mismatched: number;
  /** First injection → last image available, ms. */
  readonly wallMs: number;
  readonly cpu: CpuUse;
}

export interface MediaBenchResult {
  readonly options: Omit<MediaBenchOptions, 'log' | 'parts'> & { readonly parts: string[] };
  readonly idleApplied: boolean;
  readonly workerPid: number;
  readonly sends?: SendsResult;
  readonly docs?: DocsResult;
  readonly inbound?: InboundResult;
}
