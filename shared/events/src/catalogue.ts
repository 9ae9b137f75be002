/**
 * Every event a Laravel application receives from Fleet (docs/events.md shows one payload each).
 * Each event carries a per-workspace sequence number; deliveries for one workspace are in order.
 */
export const EVENT_TYPES = [
  'session.qr',
  'session.connected',
  'session.disconnected',
  'session.logged_out',
  'session.failed',
  'message.sent',
  'message.delivered',
  'message.read',
  'message.failed',
  'message.received',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface SessionRef {
  readonly session_id: string;
  readonly account_id: string;
}

/** The `data` of each event type. */
export interface EventDataMap {
  'session.qr': SessionRef & { readonly qr: string; readonly expires_at: number };
  'session.connected': SessionRef & { readonly phone: string };
  'session.disconnected': SessionRef & { readonly code: number; readonly reason: string; readonly will_reconnect: boolean };
  'session.logged_out': SessionRef;
  'session.failed': SessionRef & { readonly code: number; readonly reason: string };
  'message.sent': MessageStatusData;
  'message.delivered': MessageStatusData;
  'message.read': MessageStatusData;
  'message.failed': MessageStatusData & { readonly reason: string };
  'message.received': {
    readonly session_id: string;
    readonly message_id: string;
    readonly from: string;
    readonly text: string;
    readonly timestamp: number;
  };
}

export interface MessageStatusData {
  readonly message_id: string;
  readonly session_id: string;
  readonly status: 'sent' | 'delivered' | 'read' | 'failed';
}

/** The JSON body of a webhook delivery and of each item of GET /api/events. */
export interface FleetEvent<T extends EventType = EventType> {
  /** Unique id; the idempotency key of every delivery of this event (`evt_` + 24 hex). */
  readonly id: string;
  readonly type: T;
  readonly workspace_id: number;
  /** Per-workspace sequence number, from 1, increasing by one per event. */
  readonly sequence: number;
  /** When the event happened (ms since the epoch). */
  readonly occurred_at: number;
  readonly data: EventDataMap[T];
}

export function isEventType(value: string): value is EventType {
  return (EVENT_TYPES as readonly string[]).includes(value);
}

/**
 * Whether an event type passes a webhook's filter: exact types, `session.*`/`message.*` families,
 * or `*`. An empty filter passes everything.
 */
export function matchesFilter(type: EventType, filter: readonly string[]): boolean {
  if (filter.length === 0) return true;
  return filter.some((item) => item === '*' || item === type || (item.endsWith('.*') && type.startsWith(item.slice(0, -1))));
}

/** Filter items the API accepts. */
export const EVENT_FILTER_PATTERN = /^(\*|session\.\*|message\.\*|(session|message)\.[a-z_]+)$/;
