import { Counter, createRegistry, Gauge, Histogram, LATENCY_BUCKETS, probeGauge, registerMemoryLimit, type Registry } from '@fleet/metrics';

/** Every metric the ingress exports (documented in docs/metrics.md). */
export interface IngressMetrics {
  readonly registry: Registry;
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly sessionsCreated: Counter<'outcome'>;
  readonly messagesAccepted: Counter<'outcome'>;
  readonly wakes: Counter<'name' | 'path'>;
  readonly mediaUploads: Counter<'outcome'>;
  readonly mediaSwept: Counter<'outcome'>;
  readonly liveWorkers: Gauge;
  readonly sessionWaiters: Gauge;
  readonly instanceHealth: Gauge<'instance' | 'state'>;
  /** Read at scrape time once the ingress is wired; unset leaves the gauge as last set. */
  readonly probes: {
    liveWorkers?: () => number;
    /** Requests waiting on session changes (QR long polls). */
    sessionWaiters?: () => number;
    /** The last health sweep: instance → healthy / unhealthy / unreachable. */
    instanceHealth?: () => Promise<ReadonlyArray<{ instance: string; status: string }>>;
  };
}

export function createIngressMetrics(): IngressMetrics {
  const registry = createRegistry('ingress');
  registerMemoryLimit(registry);
  const probes: IngressMetrics['probes'] = {};
  return {
    registry,
    probes,
    httpDuration: new Histogram({
      name: 'fleet_http_request_duration_seconds',
      help: 'HTTP request duration by route pattern and status',
      labelNames: ['method', 'route', 'status'],
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    sessionsCreated: new Counter({
      name: 'fleet_ingress_session_creations_total',
      help: 'Session creation requests by outcome (created, existing, rejected)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    messagesAccepted: new Counter({
      name: 'fleet_ingress_messages_total',
      help: 'Message send requests by outcome (accepted, duplicate, rejected)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    wakes: new Counter({
      name: 'fleet_ingress_wakes_total',
      help: "Wake-ups of the worker running a session (name: message.send, session.start) by path: direct (on the owner worker's channel), queued (a job in the shard's queue), failed (neither)",
      labelNames: ['name', 'path'],
      registers: [registry],
    }),
    mediaUploads: new Counter({
      name: 'fleet_ingress_media_uploads_total',
      help: 'POST /api/media outcomes (stored, too_large, type_not_allowed, rejected, failed)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    mediaSwept: new Counter({
      name: 'fleet_media_swept_total',
      help: 'Expired media objects the sweep deleted, or failed to delete (deleted, failed)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    instanceHealth: new Gauge({
      name: 'fleet_instance_health',
      help: 'Last every-minute health sweep: 1 for the state each instance was in (healthy, unhealthy, unreachable)',
      labelNames: ['instance', 'state'],
      registers: [registry],
      async collect() {
        if (!probes.instanceHealth) return;
        const instances = await probes.instanceHealth().catch(() => undefined);
        if (!instances) return;
        this.reset();
        for (const { instance, status } of instances) {
          for (const state of ['healthy', 'unhealthy', 'unreachable']) this.set({ instance, state }, status === state ? 1 : 0);
        }
      },
    }),
    sessionWaiters: probeGauge(
      registry,
      'fleet_ingress_session_waiters',
      'Requests waiting on a session change right now (GET /api/sessions/{id}/qr?wait=)',
      () => probes.sessionWaiters?.(),
    ),
    liveWorkers: probeGauge(registry, 'fleet_ring_live_workers', 'Live workers as seen by this process', () => probes.liveWorkers?.()),
  };
}
