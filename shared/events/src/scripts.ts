import path from 'node:path';
import type { Keys } from '@fleet/keys';
import { readLua, reply, TypedScript } from '@fleet/redis';
import type { EventType, FleetEvent } from './catalogue';
import type { EventRetention } from './retention';

/** The events package's Lua files (`lua/`, beside `src/`; found from `dist/src` too). */
const LUA_DIR = path.resolve(__dirname, '..', '..', 'lua');

const source = (name: string): string => readLua(LUA_DIR, name);

/**
 * The append as a Lua function (`lua/lib/append-event.lua`), for scripts of other packages that append
 * an event as part of a larger step (the message ledger's); one source with append-event.
 */
export const APPEND_EVENT_FUNCTION = source('lib/append-event');

/**
 * An event whose deliveries were exhausted (24 hours of retries by default). Kept under the dispatcher's
 * dead-letter retention (DISPATCHER_RETAIN_DEAD_LETTERS per workspace, DISPATCHER_RETAIN_DEAD_LETTERS_MS).
 */
export interface DeadLetter {
  readonly event: FleetEvent;
  readonly attempts: number;
  readonly last_error: string;
  readonly first_failed_at: number;
  readonly dead_at: number;
}

/** The retry state of a workspace's head event (a hash, written by defer-workspace). */
export interface RetryState {
  readonly eventId: string;
  readonly attempts: number;
  readonly firstFailedAt: number;
  readonly lastError: string;
}

/** What parking a workspace did; `skipped` counts events that aged out of the stream before delivery. */
export type ParkOutcome = { readonly state: 'parked'; readonly skipped: number } | { readonly state: 'more' | 'lost'; readonly skipped: 0 };

interface Workspace {
  readonly keys: Keys;
  readonly workspaceId: number;
}

/** A step of the dispatcher's turn on a workspace: refused unless its lock still holds `token`. */
interface Locked extends Workspace {
  readonly token: string;
}

export interface AppendEventInput extends Workspace {
  readonly eventId: string;
  readonly type: EventType;
  readonly occurredAt: number;
  /** The event's data, stored as JSON. */
  readonly data: unknown;
  /** The pending score when the workspace is not pending yet. */
  readonly now: number;
  readonly retention: EventRetention;
}

export interface SettleEventInput extends Locked {
  readonly sequence: number;
  readonly eventId: string;
  /** Set for a replayed dead letter: the member of the replay set it leaves. */
  readonly replayMember: string | undefined;
  /** Set when the event is moved to the dead letters. */
  readonly deadLetter: DeadLetter | undefined;
  /** How long the lock lasts from now on. */
  readonly lockMs: number;
  /** Delivered events kept in the stream. */
  readonly retainEvents: number;
  readonly retainDeadLetters: number;
  readonly retainDeadLettersMs: number;
}

export interface DeferWorkspaceInput extends Locked {
  /** When the workspace is due again (ms). */
  readonly at: number;
  /** The head event's retry state to record, if any. */
  readonly retry: RetryState | undefined;
}

export type ParkWorkspaceInput = Locked;

export interface ReplayDeadLettersInput extends Workspace {
  /** The dead letters to replay; none: all of them. */
  readonly eventIds: readonly string[];
  readonly now: number;
}

function retryFields(retry: RetryState | undefined): Array<string | number> {
  if (!retry) return [];
  return ['event_id', retry.eventId, 'attempts', retry.attempts, 'first_failed_at', retry.firstFailedAt, 'last_error', retry.lastError];
}

/** Every Lua script of the events package, each documented in its `lua/<name>.lua` header. */
export const EVENT_SCRIPTS = {
  appendEvent: new TypedScript<AppendEventInput, number>({
    name: 'append-event',
    source: source('append-event'),
    keys: (i) => [i.keys.eventSequence(i.workspaceId), i.keys.eventStream(i.workspaceId), i.keys.eventsPending],
    args: (i) => [
      i.workspaceId,
      i.eventId,
      i.type,
      i.occurredAt,
      JSON.stringify(i.data),
      i.now,
      i.keys.eventsChannel,
      i.retention.maxEvents,
      i.retention.maxAgeMs,
    ],
    parse: (raw) => reply.number(raw),
  }),
  settleEvent: new TypedScript<SettleEventInput, boolean>({
    name: 'settle-event',
    source: source('settle-event'),
    keys: (i) => [
      i.keys.eventLock(i.workspaceId),
      i.keys.eventCursors,
      i.keys.eventRetry(i.workspaceId),
      i.keys.eventStream(i.workspaceId),
      i.keys.eventReplay(i.workspaceId),
      i.keys.eventDeadLetters(i.workspaceId),
      i.keys.eventDeadLetterAges(i.workspaceId),
    ],
    args: (i) => [
      i.token,
      i.workspaceId,
      i.sequence,
      i.lockMs,
      i.retainEvents,
      i.replayMember ?? '',
      i.eventId,
      i.deadLetter ? JSON.stringify(i.deadLetter) : '',
      i.deadLetter?.dead_at ?? 0,
      i.retainDeadLetters,
      i.retainDeadLettersMs,
    ],
    parse: (raw) => reply.flag(raw),
  }),
  deferWorkspace: new TypedScript<DeferWorkspaceInput, boolean>({
    name: 'defer-workspace',
    source: source('defer-workspace'),
    keys: (i) => [i.keys.eventLock(i.workspaceId), i.keys.eventRetry(i.workspaceId), i.keys.eventsPending],
    args: (i) => [i.token, i.workspaceId, i.at, ...retryFields(i.retry)],
    parse: (raw) => reply.flag(raw),
  }),
  parkWorkspace: new TypedScript<ParkWorkspaceInput, ParkOutcome>({
    name: 'park-workspace',
    source: source('park-workspace'),
    keys: (i) => [
      i.keys.eventLock(i.workspaceId),
      i.keys.eventSequence(i.workspaceId),
      i.keys.eventCursors,
      i.keys.eventReplay(i.workspaceId),
      i.keys.eventsPending,
      i.keys.eventStream(i.workspaceId),
      i.keys.eventRetry(i.workspaceId),
    ],
    args: (i) => [i.token, i.workspaceId],
    parse: (raw) => {
      const [state, skipped] = reply.array(raw).map((item) => reply.number(item));
      if (state === 0) return { state: 'parked', skipped: skipped ?? 0 };
      if (state === 1) return { state: 'more', skipped: 0 };
      if (state === -1) return { state: 'lost', skipped: 0 };
      throw new TypeError(`park-workspace replied ${String(state)}`);
    },
  }),
  replayDeadLetters: new TypedScript<ReplayDeadLettersInput, number>({
    name: 'replay-dead-letters',
    source: source('replay-dead-letters'),
    keys: (i) => [i.keys.eventDeadLetters(i.workspaceId), i.keys.eventReplay(i.workspaceId), i.keys.eventsPending, i.keys.eventDeadLetterAges(i.workspaceId)],
    args: (i) => [i.workspaceId, i.now, i.keys.eventsChannel, ...i.eventIds],
    parse: (raw) => reply.number(raw),
  }),
} as const;
