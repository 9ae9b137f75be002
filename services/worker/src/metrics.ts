import { Counter, createRegistry, Gauge, Histogram, LATENCY_BUCKETS, probeGauge, registerMemoryLimit, type Registry } from '@fleet/metrics';
import { SESSION_STATUSES } from '@fleet/state';

/** Every metric the worker exports (documented in docs/metrics.md). */
export interface WorkerMetrics {
  readonly registry: Registry;
  readonly sessionsByStatus: Gauge<'status'>;
  readonly capacity: Gauge;
  readonly ownedShards: Gauge;
  readonly jobs: Counter<'name' | 'outcome'>;
  readonly jobDuration: Histogram<'name'>;
  readonly sessionEvents: Counter<'event' | 'reason'>;
  readonly leaseTakeovers: Counter;
  readonly sessionsWaitingForCapacity: Gauge;
  readonly fencings: Counter;
  /** `from`: create (record created → first QR, first start only) or start (lease taken → first QR). */
  readonly qrLatency: Histogram<'from'>;
  /** `stage`: sent (server ack) or delivered, measured from the message's acceptance by the ingress. */
  readonly sendLatency: Histogram<'stage'>;
  /** Outgoing messages leaving a session's outbox: written to the socket, retried or failed. */
  readonly messageWrites: Counter<'outcome'>;
  /** Waits of a session's sender for its send pace (SEND_RATE_PER_SESSION) with messages waiting. */
  readonly sendsPaced: Counter;
  /** Time a job waited in its queue before this worker began it. */
  readonly jobWait: Histogram<'name'>;
  /** Read on every scrape from `probes` (set by the worker once it is wired). */
  readonly queueJobs: Gauge<'queue' | 'state'>;
  readonly liveWorkers: Gauge;
  readonly credsReady: Gauge;
  /** Session-storage operations (auth state) by kind and outcome, queueing on the I/O threads included. */
  readonly storageOps: Histogram<'op' | 'outcome'>;
  readonly probes: WorkerProbes;
}

/** Sources read at scrape time; unset probes leave their gauges empty. */
export interface WorkerProbes {
  /** Job counts of the queues this worker consumes, by queue (`shard-<k>`, bounded by SHARD_COUNT, or `worker`). */
  queueCounts?: () => Promise<ReadonlyMap<string, Readonly<Record<string, number>>>>;
  liveWorkers?: () => number;
  /** Credentials for new sessions made ahead and not handed out yet. */
  credsReady?: () => number;
  /** Sessions running here by status (counted at scrape time, not on every status change). */
  sessionsByStatus?: () => ReadonlyMap<string, number>;
}

/** BullMQ job states exported as `fleet_queue_jobs{state}`. */
export const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed'] as const;

/** Seconds, from 0.5 ms to 10 s: a session-storage operation (fsyncs on a local disk or NFS). */
const STORAGE_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];

/** Seconds, from 100 ms to 10 min: QR generation and message delivery. */
const SLOW_BUCKETS = [0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600];

export function createWorkerMetrics(instanceId: string): WorkerMetrics {
  const registry = createRegistry('worker', { instance: instanceId });
  const probes: WorkerProbes = {};
  const sessionsByStatus = new Gauge({
    name: 'fleet_sessions',
    help: 'Sessions running on this worker by status',
    labelNames: ['status'],
    registers: [registry],
    collect() {
      const counts = probes.sessionsByStatus?.();
      for (const status of SESSION_STATUSES) this.set({ status }, counts?.get(status) ?? 0);
    },
  });
  registerMemoryLimit(registry);
  const queueJobs = new Gauge({
    name: 'fleet_queue_jobs',
    help: 'Jobs in the queues this worker consumes, by queue and BullMQ state (read on scrape)',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      if (!probes.queueCounts) return;
      const counts = await probes.queueCounts().catch(() => undefined);
      if (!counts) return;
      this.reset();
      for (const [queue, byState] of counts) for (const state of QUEUE_STATES) this.set({ queue, state }, byState[state] ?? 0);
    },
  });
  const liveWorkers = probeGauge(registry, 'fleet_ring_live_workers', 'Live workers as seen by this process (ring membership)', () => probes.liveWorkers?.());
  const credsReady = probeGauge(
    registry,
    'fleet_creds_pool_ready',
    'Credentials for new sessions made ahead while idle and not yet handed out (CREDS_POOL_SIZE when full)',
    () => probes.credsReady?.(),
  );
  const storageOps = new Histogram({
    name: 'fleet_session_storage_seconds',
    help: 'Session-storage operations of the auth state (open, write, check, clear) by outcome, queueing on the I/O threads included',
    labelNames: ['op', 'outcome'],
    buckets: STORAGE_BUCKETS,
    registers: [registry],
  });
  return {
    probes,
    queueJobs,
    credsReady,
    storageOps,
    liveWorkers,
    qrLatency: new Histogram({
      name: 'fleet_session_qr_latency_seconds',
      help: 'Time to the first QR of a session: from its creation (from=create) or from its start on this worker (from=start)',
      labelNames: ['from'],
      buckets: SLOW_BUCKETS,
      registers: [registry],
    }),
    sendLatency: new Histogram({
      name: 'fleet_message_send_latency_seconds',
      help: 'Time from a message being accepted to the server ack (stage=sent) or the delivery receipt (stage=delivered)',
      labelNames: ['stage'],
      buckets: SLOW_BUCKETS,
      registers: [registry],
    }),
    messageWrites: new Counter({
      name: 'fleet_message_writes_total',
      help: 'Outgoing messages taken from a session outbox: written to the socket, put back to retry (failed write, no server ack in time) or failed',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    sendsPaced: new Counter({
      name: 'fleet_message_sends_paced_total',
      help: 'Times a session sender waited for its send pace (SEND_RATE_PER_SESSION, SEND_BURST_PER_SESSION) with messages waiting in the outbox',
      registers: [registry],
    }),
    jobWait: new Histogram({
      name: 'fleet_job_wait_seconds',
      help: "Time a shard-queue job waited before this worker began it, by job name (message.send, session.start: a wake-up heard on the worker's channel too)",
      labelNames: ['name'],
      buckets: [...LATENCY_BUCKETS, 60, 300],
      registers: [registry],
    }),
    registry,
    sessionsByStatus,
    capacity: new Gauge({ name: 'fleet_sessions_capacity', help: 'MAX_SESSIONS_PER_INSTANCE of this worker', registers: [registry] }),
    ownedShards: new Gauge({ name: 'fleet_owned_shards', help: 'Shards this worker owns', registers: [registry] }),
    jobs: new Counter({
      name: 'fleet_jobs_total',
      help: "Shard-queue jobs processed by name and outcome (ok, retry, failed, forwarded, handed_back); wake-ups heard on the worker's channel (message.send, session.start) count as direct (or forwarded, as a job; a session.start that failed as retry)",
      labelNames: ['name', 'outcome'],
      registers: [registry],
    }),
    jobDuration: new Histogram({
      name: 'fleet_job_duration_seconds',
      help: 'Time to process a shard-queue job',
      labelNames: ['name'],
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    sessionsWaitingForCapacity: new Gauge({
      name: 'fleet_sessions_waiting_for_capacity',
      help: 'Sessions this worker should run but does not, because it is at MAX_SESSIONS_PER_INSTANCE',
      registers: [registry],
    }),
    leaseTakeovers: new Counter({
      name: 'fleet_lease_takeovers_total',
      help: 'Sessions this worker took over from another worker',
      registers: [registry],
    }),
    fencings: new Counter({
      name: 'fleet_self_fencings_total',
      help: 'Times this worker closed every session because it could not renew its registration',
      registers: [registry],
    }),
    sessionEvents: new Counter({
      name: 'fleet_session_events_total',
      help: 'Session starts, connects, reconnects, conflicts and logouts by reason',
      labelNames: ['event', 'reason'],
      registers: [registry],
    }),
  };
}
