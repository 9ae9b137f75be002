/**
 * How much of a workspace's event stream is kept, whoever appends to it (a worker, a test). The
 * dispatcher trims further: delivered events, and the events of a workspace with no receiver, down to
 * DISPATCHER_RETAIN_EVENTS (docs/events.md, "Retention").
 */
export interface EventRetention {
  /**
   * Most events one workspace's stream holds, delivered or not: the append trims the oldest beyond it
   * (`XADD MAXLEN ~`, so up to about 100 more). Default 100,000.
   */
  readonly maxEvents: number;
  /**
   * Oldest event kept, delivered or not: each append drops events older than this from the head of
   * the stream, and a stream with no append for this long expires as a whole. Default 7 days (as
   * long as a message record lives).
   */
  readonly maxAgeMs: number;
}

export const EVENT_RETENTION_DEFAULTS: EventRetention = Object.freeze({
  maxEvents: 100_000,
  maxAgeMs: 7 * 24 * 3_600_000,
});

/** The retention with every default applied (the one place they are applied). */
export function eventRetention(overrides: Partial<EventRetention> = {}): EventRetention {
  return Object.freeze({ ...EVENT_RETENTION_DEFAULTS, ...overrides });
}
