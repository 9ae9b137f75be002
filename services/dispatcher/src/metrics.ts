import { Counter, createRegistry, Gauge, Histogram, LATENCY_BUCKETS, type Registry } from '@fleet/metrics';

/** Every metric the dispatcher exports. */
export interface DispatcherMetrics {
  readonly registry: Registry;
  /** Outcomes: delivered, failed (will retry), filtered, dead_lettered, refused (destination refused: dead-lettered at once). */
  readonly deliveries: Counter<'outcome'>;
  readonly deadLetters: Counter;
  /** Events that left the stream by retention before they were delivered. */
  readonly eventsTrimmed: Counter;
  readonly requestDuration: Histogram;
  /** From the event's occurred_at to the receiver's 2xx. */
  readonly eventLatency: Histogram;
  readonly activeWorkspaces: Gauge;
  readonly pendingWorkspaces: Gauge;
  readonly loopErrors: Counter<'where'>;
}

export function createDispatcherMetrics(): DispatcherMetrics {
  const registry = createRegistry('dispatcher');
  return {
    registry,
    deliveries: new Counter({
      name: 'fleet_webhook_deliveries_total',
      help: 'Webhook delivery attempts by outcome (delivered, failed, filtered, dead_lettered, refused)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    deadLetters: new Counter({
      name: 'fleet_webhook_dead_letters_total',
      help: 'Events moved to the dead letters: retries exhausted, or the destination refused',
      registers: [registry],
    }),
    eventsTrimmed: new Counter({
      name: 'fleet_webhook_events_trimmed_total',
      help: 'Events that left their stream by retention (count or age) before they were delivered',
      registers: [registry],
    }),
    requestDuration: new Histogram({
      name: 'fleet_webhook_request_duration_seconds',
      help: 'Duration of one webhook POST, success or not',
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    eventLatency: new Histogram({
      name: 'fleet_webhook_event_latency_seconds',
      help: 'Time from an event to its successful delivery',
      buckets: [...LATENCY_BUCKETS, 60, 300, 3600, 86_400],
      registers: [registry],
    }),
    activeWorkspaces: new Gauge({
      name: 'fleet_webhook_active_workspaces',
      help: 'Workspaces this dispatcher is delivering right now',
      registers: [registry],
    }),
    pendingWorkspaces: new Gauge({
      name: 'fleet_webhook_pending_workspaces',
      help: 'Workspaces with undelivered events (cluster-wide, read at scrape time)',
      registers: [registry],
    }),
    loopErrors: new Counter({
      name: 'fleet_dispatcher_errors_total',
      help: 'Errors caught by the dispatcher loops, by where they happened',
      labelNames: ['where'],
      registers: [registry],
    }),
  };
}
