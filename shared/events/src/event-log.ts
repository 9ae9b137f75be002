import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Keys } from '@fleet/keys';
import { isEventType, type EventDataMap, type EventType, type FleetEvent } from './catalogue';
import { eventRetention, type EventRetention } from './retention';
import { EVENT_SCRIPTS } from './scripts';

/** Where the worker sends events; the EventLog is the real one, tests may record them instead. */
export interface EventSink {
  append<T extends EventType>(workspaceId: number, type: T, data: EventDataMap[T], now?: number): Promise<FleetEvent<T>>;
}

export interface EventPage {
  readonly events: FleetEvent[];
  /** Highest sequence number given out in the workspace so far (0 when none). */
  readonly latestSequence: number;
  /**
   * Lowest sequence still stored; when every event has aged out, `latestSequence + 1` (the next one to
   * be stored); 0 when the workspace never had an event.
   */
  readonly oldestSequence: number;
}

export function newEventId(): string {
  return `evt_${randomBytes(12).toString('hex')}`;
}

/**
 * The events of every workspace: appended atomically with a per-workspace sequence number (see
 * append-event), read back from a sequence for catch-up (GET /api/events) and by the dispatcher.
 * Each append applies the stream's retention (`retention`, defaults in retention.ts).
 */
export class EventLog implements EventSink {
  private readonly retention: EventRetention;

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    retention: Partial<EventRetention> = {},
  ) {
    this.retention = eventRetention(retention);
  }

  async append<T extends EventType>(workspaceId: number, type: T, data: EventDataMap[T], now = Date.now()): Promise<FleetEvent<T>> {
    const id = newEventId();
    const sequence = await EVENT_SCRIPTS.appendEvent.run(this.redis, {
      keys: this.keys,
      workspaceId,
      eventId: id,
      type,
      occurredAt: now,
      data,
      now,
      retention: this.retention,
    });
    return { id, type, workspace_id: workspaceId, sequence, occurred_at: now, data };
  }

  /** Up to `limit` events with a sequence above `since`, oldest first. */
  async since(workspaceId: number, since: number, limit: number): Promise<EventPage> {
    const stream = this.keys.eventStream(workspaceId);
    // Sequences are safe integers (INCR, one per event): at or past 2^53 - 1 no event follows, and the
    // page is empty (`${since + 1}-0` would not even be a stream entry id; Redis would refuse the read).
    const first = Math.max(0, Math.floor(since)) + 1;
    const [entries, latest, oldest] = await Promise.all([
      Number.isSafeInteger(first) ? this.redis.xrange(stream, `${first}-0`, '+', 'COUNT', limit) : [],
      this.redis.get(this.keys.eventSequence(workspaceId)),
      this.redis.xrange(stream, '-', '+', 'COUNT', 1),
    ]);
    const latestSequence = Number(latest ?? 0);
    return {
      events: entries.flatMap(([entryId, fields]) => parseEntry(workspaceId, entryId, fields)),
      latestSequence,
      oldestSequence: oldest[0] ? Number(oldest[0][0].split('-')[0]) : latestSequence > 0 ? latestSequence + 1 : 0,
    };
  }
}

/** One stream entry as an event; a malformed entry is skipped (never thrown at a delivery loop). */
export function parseEntry(workspaceId: number, entryId: string, fields: string[]): FleetEvent[] {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i]!, fields[i + 1]!);
  const type = map.get('type') ?? '';
  if (!isEventType(type)) return [];
  let data: unknown;
  try {
    data = JSON.parse(map.get('data') ?? 'null');
  } catch {
    return [];
  }
  return [
    {
      id: map.get('id') ?? '',
      type,
      workspace_id: workspaceId,
      sequence: Number(entryId.split('-')[0]),
      occurred_at: Number(map.get('at')),
      data: data as EventDataMap[typeof type],
    },
  ];
}
