import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Keys } from '@fleet/keys';
import { chatJidOf } from './chat-jid';
import { previewOf, type Quote } from './content';
import { newMessageId } from './ids';
import { parseBody, parseMessage, type MessageBody, type MessageRecord } from './records';
import { LEDGER_SCRIPTS } from './scripts';
import type { MessageStatus, ReportedStatus } from './statuses';

/** Characters of a received message kept to show it in a reply. */
const PREVIEW_CHARS = 256;
/** Statuses of a message the server has: it can be replied to, reacted to, edited or revoked. */
const ACKNOWLEDGED: ReadonlySet<string> = new Set(['sent', 'delivered', 'read']);

/** Message records are kept this long by default (7 days). */
export const DEFAULT_MESSAGE_RETENTION_SECONDS = 7 * 24 * 3600;
/** What a message says is kept this long by default (2 days): to send it, and to answer retry requests. */
export const DEFAULT_BODY_RETENTION_SECONDS = 2 * 24 * 3600;

export interface LedgerOptions {
  /** How long a message record lives. Default 7 days. */
  readonly retentionSeconds?: number;
  /** How long a message's text and recipient live (at least as long as a message may wait). Default 2 days. */
  readonly bodyRetentionSeconds?: number;
}

export interface NewMessage extends MessageBody {
  readonly sessionId: string;
  readonly idempotencyKey?: string;
  /** What the message is (text, image …), kept on the record. */
  readonly type?: string;
}

export type AcceptOutcome =
  | { readonly kind: 'no_session' }
  | {
      readonly kind: 'new';
      readonly record: MessageRecord;
      readonly shard: number;
      readonly incarnation: string;
      /**
       * Whether the outbox was empty before this message: only then may the sender be idle, so only then
       * does it need a wake-up. Behind a waiting message it is claimed by the drain that one started
       * (a drain claims until the outbox is empty, and one stopped by a disconnect starts again on connect).
       */
      readonly firstInOutbox: boolean;
      /**
       * When `accept` was given a wake-up channel: how many listeners heard the send wake-up published
       * with the message (0: nobody listens there); undefined when none was published (not first in
       * its outbox, no channel given, or the session is in another workspace than expected).
       */
      readonly woken: number | undefined;
    }
  | {
      readonly kind: 'duplicate';
      readonly record: MessageRecord | undefined;
      readonly sameRequest: boolean;
      readonly shard: number;
      readonly incarnation: string;
    };

/** A message taken from its session's outbox to be written to the socket now. */
export interface ClaimedMessage extends MessageBody {
  readonly messageId: string;
  /** This attempt's number (1 for the first). */
  readonly attempt: number;
}

/** What one claim took, and how many messages it left in the outbox (0: none waiting). */
export interface ClaimedBatch {
  readonly messages: readonly ClaimedMessage[];
  readonly remaining: number;
}

export interface StatusChange {
  readonly messageId: string;
  readonly status: ReportedStatus;
  /** Why it failed (for `failed`). */
  readonly reason?: string;
}

/** What a status change did. */
export interface ChangeOutcome {
  readonly changed: boolean;
  /** When the message was accepted (ms), known when it changed: send latency without another read. */
  readonly createdAt: number | undefined;
}

function fingerprint(message: NewMessage): string {
  const said = message.content.type === 'text' && !message.content.replyTo && !message.content.mentions ? message.content.text : message.content;
  return createHash('sha256')
    .update(JSON.stringify([message.sessionId, message.to, said]))
    .digest('hex')
    .slice(0, 32);
}

/**
 * The message ledger: the one place an outgoing message's life is written. The ingress accepts a
 * message into its session's outbox; the session's sender claims messages in acceptance order, and
 * WhatsApp's acks and receipts advance them; a failed attempt or a missing ack puts a message back at
 * its place or fails it. Every status change that a client cares about records its event in the same
 * atomic step (lua/), so there is no way to change a status without its event.
 */
export class MessageLedger {
  private readonly retentionSeconds: number;
  private readonly bodyRetentionSeconds: number;

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    options: LedgerOptions = {},
  ) {
    this.retentionSeconds = options.retentionSeconds ?? DEFAULT_MESSAGE_RETENTION_SECONDS;
    this.bodyRetentionSeconds = Math.min(options.bodyRetentionSeconds ?? DEFAULT_BODY_RETENTION_SECONDS, this.retentionSeconds);
  }

  /** Checks the session, claims the idempotency key and queues the message, in one step. */
  /**
   * `wake`: the channel of the worker expected to run the session (and the workspace that expectation
   * is for); a message first in its outbox has its send wake-up published there in the same step.
   */
  async accept(message: NewMessage, now = Date.now(), wake?: { readonly channel: string; readonly workspaceId: number }): Promise<AcceptOutcome> {
    const print = fingerprint(message);
    const result = await LEDGER_SCRIPTS.accept.run(this.redis, {
      keys: this.keys,
      now,
      messageId: newMessageId(),
      sessionId: message.sessionId,
      fingerprint: print,
      idempotencyKey: message.idempotencyKey,
      body: JSON.stringify({ to: message.to, content: message.content }),
      type: message.content.type,
      retentionSeconds: this.retentionSeconds,
      bodyRetentionSeconds: this.bodyRetentionSeconds,
      ...(wake ? { wake } : {}),
    });
    if (result.kind === 'no_session') return result;
    const { shard, incarnation } = result;
    if (result.kind === 'new') {
      const record: MessageRecord = {
        messageId: result.messageId,
        sessionId: message.sessionId,
        workspaceId: result.workspaceId,
        status: 'queued',
        type: message.content.type,
        idempotencyKey: message.idempotencyKey,
        seq: result.seq,
        attempts: 0,
        createdAt: now,
        updatedAt: now,
      };
      return {
        kind: 'new',
        record,
        shard,
        incarnation,
        firstInOutbox: result.waiting === 0,
        woken: result.woken === undefined || result.woken < 0 ? undefined : result.woken,
      };
    }
    const fields = await this.redis.hgetall(this.keys.message(result.messageId));
    return { kind: 'duplicate', record: parseMessage(fields), sameRequest: fields.fingerprint === print, shard, incarnation };
  }

  async get(messageId: string): Promise<MessageRecord | undefined> {
    return parseMessage(await this.redis.hgetall(this.keys.message(messageId)));
  }

  /** What the message says and to whom; undefined once it aged out. */
  async body(messageId: string): Promise<MessageBody | undefined> {
    return parseBody(await this.redis.get(this.keys.messageBody(messageId)));
  }

  /**
   * Takes up to `limit` messages of the session's outbox, in acceptance order, to write now: each is
   * in flight until `ackDeadline` (ms). Messages of an earlier incarnation of the session, and those
   * whose body aged out, fail (with their events) instead. `remaining` lets the sender stop without
   * claiming again to find the outbox empty: a message accepted after this has a wake-up of its own.
   */
  async claim(sessionId: string, limit: number, ackDeadline: number, now = Date.now()): Promise<ClaimedBatch> {
    const { claimed, remaining } = await LEDGER_SCRIPTS.claim.run(this.redis, { keys: this.keys, now, sessionId, ackDeadline, limit });
    const messages = claimed.flatMap(({ messageId, body, attempts }) => {
      const parsed = parseBody(body);
      return parsed ? [{ messageId, ...parsed, attempt: attempts }] : [];
    });
    return { messages, remaining };
  }

  /** A status WhatsApp reported (ack, receipt, ack error); recorded with its event when it is news. */
  async advance(change: StatusChange, now = Date.now()): Promise<ChangeOutcome> {
    const result = await LEDGER_SCRIPTS.advance.run(this.redis, {
      keys: this.keys,
      now,
      messageId: change.messageId,
      status: change.status,
      reason: change.reason ?? '',
    });
    return { changed: result.changed === 1, createdAt: result.changed === 1 && result.createdAt > 0 ? result.createdAt : undefined };
  }

  /** An attempt to write the message failed: back at its place in the outbox, or failed after `maxAttempts`. */
  retry(sessionId: string, messageId: string, maxAttempts: number, reason: string, now = Date.now()): Promise<'requeued' | 'failed' | 'done'> {
    return LEDGER_SCRIPTS.retry.run(this.redis, { keys: this.keys, now, sessionId, messageId, maxAttempts, reason });
  }

  /** Messages in flight past their ack deadline: back in the outbox, or failed (`no_server_ack`) after `maxAttempts`. */
  sweepAckTimeouts(sessionId: string, maxAttempts: number, now = Date.now()): Promise<{ requeued: number; failed: number }> {
    return LEDGER_SCRIPTS.sweep.run(this.redis, { keys: this.keys, now, sessionId, upTo: now, maxAttempts });
  }

  /** A new socket has nothing in flight: every message of the session in flight goes back to its place. */
  async requeueInFlight(sessionId: string, now = Date.now()): Promise<number> {
    const { requeued } = await LEDGER_SCRIPTS.sweep.run(this.redis, { keys: this.keys, now, sessionId, upTo: 'all', maxAttempts: Number.MAX_SAFE_INTEGER });
    return requeued;
  }

  /**
   * Withdraws a message still waiting in its outbox: it fails with `cancelled` (with its event).
   * Answers 'cancelled', or the status that prevented it ('sending', 'sent' …; undefined when gone).
   */
  async cancel(messageId: string, now = Date.now()): Promise<'cancelled' | MessageStatus | undefined> {
    const outcome = await LEDGER_SCRIPTS.cancel.run(this.redis, { keys: this.keys, now, messageId });
    return outcome === '' ? undefined : (outcome as 'cancelled' | MessageStatus);
  }

  /** Fails (with events) the session's waiting messages accepted before `acceptedBefore`, or all of them. */
  expire(sessionId: string, acceptedBefore: number | 'all', reason: string, now = Date.now()): Promise<number> {
    return LEDGER_SCRIPTS.expire.run(this.redis, { keys: this.keys, now, sessionId, acceptedBefore, reason });
  }

  /**
   * Remembers a message the session received (its chat, its sender in a group, a short preview), for
   * `retentionSeconds`, so that a reply or a reaction can name it later.
   */
  async rememberInbound(
    sessionId: string,
    message: { readonly id: string; readonly chat: string; readonly participant?: string; readonly preview?: string },
  ): Promise<void> {
    const key = this.keys.inboundMessage(sessionId, message.id);
    const fields = ['chat', message.chat, 'participant', message.participant ?? '', 'preview', (message.preview ?? '').slice(0, PREVIEW_CHARS)];
    await this.redis
      .multi()
      .hset(key, ...fields)
      .expire(key, this.retentionSeconds)
      .exec();
  }

  /**
   * A message of this session that a reaction, a reply, an edit or a revoke can refer to: one it sent
   * (and the server acknowledged) or one it received. Undefined when the session has no such message
   * (never had it, another session's, not sent yet, or aged out).
   */
  async findTarget(sessionId: string, messageId: string): Promise<(Quote & { readonly type?: string; readonly sentAt?: number }) | undefined> {
    const [record, inbound] = await Promise.all([this.get(messageId), this.redis.hgetall(this.keys.inboundMessage(sessionId, messageId))]);
    if (record && record.sessionId === sessionId && ACKNOWLEDGED.has(record.status)) {
      const body = await this.body(messageId);
      const chat = body && chatJidOf(body.to);
      if (!body || !chat) return undefined;
      const text = previewOf(body.content);
      const sentAt = record.sentAt ?? record.deliveredAt ?? record.readAt;
      return { id: messageId, chat, fromMe: true, type: record.type, ...(sentAt !== undefined ? { sentAt } : {}), ...(text ? { text } : {}) };
    }
    if (!inbound.chat) return undefined;
    return {
      id: messageId,
      chat: inbound.chat,
      fromMe: false,
      ...(inbound.participant ? { participant: inbound.participant } : {}),
      ...(inbound.preview ? { text: inbound.preview } : {}),
    };
  }

  /** Sessions with a message waiting since before `before` (ms), oldest first. */
  async waitingSince(before: number, limit = 1000): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.outboxes, '-inf', before, 'LIMIT', 0, limit);
  }

  /** How many messages of a session wait in its outbox and in flight. */
  async waiting(sessionId: string): Promise<{ queued: number; inFlight: number }> {
    const [queued, inFlight] = await Promise.all([this.redis.zcard(this.keys.outbox(sessionId)), this.redis.zcard(this.keys.inflight(sessionId))]);
    return { queued, inFlight };
  }
}
