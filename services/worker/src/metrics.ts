import { Counter, createRegistry, Gauge, Histogram, LATENCY_BUCKETS, type Registry } from '@fleet/metrics';
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
}

export function createWorkerMetrics(instanceId: string): WorkerMetrics {
  const registry = createRegistry('worker', { instance: instanceId });
  const sessionsByStatus = new Gauge({
    name: 'fleet_sessions',
    help: 'Sessions running on this worker by status',
    labelNames: ['status'],
    registers: [registry],
  });
  for (const status of SESSION_STATUSES) sessionsByStatus.set({ status }, 0);
  return {
    registry,
    sessionsByStatus,
    capacity: new Gauge({ name: 'fleet_sessions_capacity', help: 'MAX_SESSIONS_PER_INSTANCE of this worker', registers: [registry] }),
    ownedShards: new Gauge({ name: 'fleet_owned_shards', help: 'Shards this worker owns', registers: [registry] }),
    jobs: new Counter({
      name: 'fleet_jobs_total',
      help: 'Shard-queue jobs processed by name and outcome (ok, retry, failed)',
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
