import path from 'node:path';
import { APPEND_EVENT_FUNCTION, EVENT_RETENTION_DEFAULTS } from '@fleet/events';
import type { Keys } from '@fleet/keys';
import { readLua, reply, TypedScript } from '@fleet/redis';
import { statusTablesLua } from './statuses';

/** The ledger's Lua files (`lua/`, beside `src/`; found from `dist/src` too). */
const LUA_DIR = path.resolve(__dirname, '..', '..', 'lua');
const DEFINITIONS = {
  STATUS_TABLES: statusTablesLua(),
  APPEND_EVENT: APPEND_EVENT_FUNCTION,
  EVENT_RETENTION: `local EVENT_MAX_LEN = ${EVENT_RETENTION_DEFAULTS.maxEvents}\nlocal EVENT_MAX_AGE = ${EVENT_RETENTION_DEFAULTS.maxAgeMs}`,
};

const source = (name: string): string => readLua(LUA_DIR, name, DEFINITIONS);

/** The ARGV header every script but accept takes (lua/lib/header.lua). */
function header(keys: Keys, now: number): Array<string | number> {
  return [keys.messagePrefix, keys.outboxPrefix, keys.inflightPrefix, keys.eventsPrefix, keys.eventsPending, keys.eventsChannel, now];
}

interface Base {
  readonly keys: Keys;
  readonly now: number;
}

export type AcceptReply =
  | { readonly kind: 'no_session' }
  | {
      readonly kind: 'new' | 'duplicate';
      readonly messageId: string;
      readonly workspaceId: number;
      readonly shard: number;
      readonly incarnation: string;
      /** The new message's place in its session's send order (new only). */
      readonly seq: number | undefined;
      /** Messages in the outbox before the new one (new only). */
      readonly waiting: number | undefined;
      /** Listeners that heard the wake-up the script published (new only; -1: none was published). */
      readonly woken: number | undefined;
    };

export interface AcceptInput extends Base {
  readonly messageId: string;
  readonly sessionId: string;
  readonly fingerprint: string;
  readonly idempotencyKey: string | undefined;
  readonly body: string;
  readonly retentionSeconds: number;
  readonly bodyRetentionSeconds: number;
  /** The content's type (text, image …), kept on the record. */
  readonly type: string;
  /** Publish the send wake-up on this channel when the message is first in its outbox and its session is in `workspaceId`. */
  readonly wake?: { readonly channel: string; readonly workspaceId: number };
}

export interface ClaimInput extends Base {
  readonly sessionId: string;
  readonly ackDeadline: number;
  readonly limit: number;
}

export interface ClaimedRaw {
  readonly messageId: string;
  readonly body: string;
  readonly attempts: number;
}

export interface AdvanceInput extends Base {
  readonly messageId: string;
  readonly status: string;
  readonly reason: string;
}

export interface RetryInput extends Base {
  readonly sessionId: string;
  readonly messageId: string;
  readonly maxAttempts: number;
  readonly reason: string;
}

export interface SweepInput extends Base {
  readonly sessionId: string;
  /** Ack deadlines up to this (ms) are past; 'all' takes every message in flight. */
  readonly upTo: number | 'all';
  readonly maxAttempts: number;
}

export interface ExpireInput extends Base {
  readonly sessionId: string;
  /** Messages accepted before this (ms) fail; 'all' fails every waiting one. */
  readonly acceptedBefore: number | 'all';
  readonly reason: string;
}

/** Every Lua script of the ledger, each documented in its `lua/<name>.lua` header. */
export const LEDGER_SCRIPTS = {
  accept: new TypedScript<AcceptInput, AcceptReply>({
    name: 'ledger-accept',
    source: source('accept'),
    keys: (i) => [
      i.keys.message(i.messageId),
      i.keys.idempotency(i.sessionId, i.idempotencyKey ?? ''),
      i.keys.session(i.sessionId),
      i.keys.traffic,
      i.keys.messageBody(i.messageId),
      i.keys.outbox(i.sessionId),
      i.keys.outboxes,
    ],
    args: (i) => [
      i.messageId,
      i.sessionId,
      i.fingerprint,
      i.retentionSeconds,
      i.idempotencyKey ? '1' : '0',
      i.now,
      i.idempotencyKey ?? '',
      i.body,
      i.bodyRetentionSeconds,
      i.type,
      i.wake?.channel ?? '',
      i.wake?.workspaceId ?? '',
    ],
    parse: (raw) => {
      const [kind, id, workspace, shard, incarnation, seq, waiting, woken] = reply.array(raw).map((item) => reply.string(item));
      if (kind === 'no_session') return { kind };
      if (kind !== 'new' && kind !== 'duplicate') throw new TypeError(`ledger-accept replied ${String(kind)}`);
      return {
        kind,
        messageId: id ?? '',
        workspaceId: Number(workspace),
        shard: Number(shard),
        incarnation: incarnation ?? '',
        seq: seq === undefined ? undefined : Number(seq),
        waiting: waiting === undefined ? undefined : Number(waiting),
        woken: woken === undefined ? undefined : Number(woken),
      };
    },
  }),
  claim: new TypedScript<ClaimInput, { claimed: ClaimedRaw[]; remaining: number }>({
    name: 'ledger-claim',
    source: source('claim'),
    keys: (i) => [i.keys.outbox(i.sessionId), i.keys.inflight(i.sessionId), i.keys.outboxes, i.keys.session(i.sessionId)],
    args: (i) => [...header(i.keys, i.now), i.sessionId, i.ackDeadline, i.limit],
    parse: (raw) => {
      const [claimed, remaining] = reply.array(raw);
      return {
        claimed: reply.array(claimed).map((item) => {
          const [id, body, attempts] = reply.array(item);
          return { messageId: reply.string(id), body: reply.string(body), attempts: reply.number(attempts) };
        }),
        remaining: reply.number(remaining),
      };
    },
  }),
  advance: new TypedScript<AdvanceInput, { changed: -1 | 0 | 1; sequence: number; createdAt: number }>({
    name: 'ledger-advance',
    source: source('advance'),
    keys: (i) => [i.keys.message(i.messageId)],
    args: (i) => [...header(i.keys, i.now), i.messageId, i.status, i.reason],
    parse: (raw) => {
      const [changed, sequence, createdAt] = reply.array(raw).map((item) => reply.number(item));
      return { changed: changed === 1 ? 1 : changed === -1 ? -1 : 0, sequence: sequence ?? 0, createdAt: createdAt ?? 0 };
    },
  }),
  retry: new TypedScript<RetryInput, 'requeued' | 'failed' | 'done'>({
    name: 'ledger-retry',
    source: source('retry'),
    keys: (i) => [i.keys.outboxes],
    args: (i) => [...header(i.keys, i.now), i.sessionId, i.messageId, i.maxAttempts, i.reason],
    parse: (raw) => {
      const outcome = reply.string(raw);
      if (outcome !== 'requeued' && outcome !== 'failed' && outcome !== 'done') throw new TypeError(`ledger-retry replied ${outcome}`);
      return outcome;
    },
  }),
  sweep: new TypedScript<SweepInput, { requeued: number; failed: number }>({
    name: 'ledger-sweep',
    source: source('sweep'),
    keys: (i) => [i.keys.inflight(i.sessionId), i.keys.outboxes],
    args: (i) => [...header(i.keys, i.now), i.sessionId, i.upTo === 'all' ? 'inf' : i.upTo, i.maxAttempts],
    parse: (raw) => {
      const [requeued, failed] = reply.array(raw).map((item) => reply.number(item));
      return { requeued: requeued ?? 0, failed: failed ?? 0 };
    },
  }),
  cancel: new TypedScript<Base & { readonly messageId: string }, string>({
    name: 'ledger-cancel',
    source: source('cancel'),
    keys: (i) => [i.keys.message(i.messageId)],
    args: (i) => [...header(i.keys, i.now), i.messageId],
    parse: (raw) => reply.string(raw),
  }),
  expire: new TypedScript<ExpireInput, number>({
    name: 'ledger-expire',
    source: source('expire'),
    keys: (i) => [i.keys.outbox(i.sessionId), i.keys.inflight(i.sessionId), i.keys.outboxes],
    args: (i) => [...header(i.keys, i.now), i.sessionId, i.acceptedBefore === 'all' ? 'inf' : i.acceptedBefore, i.reason],
    parse: (raw) => reply.number(raw),
  }),
} as const;
