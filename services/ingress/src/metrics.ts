import { Counter, createRegistry, Gauge, Histogram, LATENCY_BUCKETS, registerMemoryLimit, type Registry } from '@fleet/metrics';

/** Every metric the ingress exports (documented in docs/metrics.md). */
export interface IngressMetrics {
  readonly registry: Registry;
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly sessionsCreated: Counter<'outcome'>;
  readonly messagesAccepted: Counter<'outcome'>;
  readonly liveWorkers: Gauge;
  /** Read at scrape time once the ingress is wired; unset leaves the gauge as last set. */
  readonly probes: { liveWorkers?: () => number };
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
    liveWorkers: new Gauge({
      name: 'fleet_ring_live_workers',
      help: 'Live workers as seen by this process',
      registers: [registry],
      collect() {
        if (probes.liveWorkers) this.set(probes.liveWorkers());
      },
    }),
  };
}
