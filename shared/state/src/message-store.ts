import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Keys } from '@fleet/keys';
import { ACCEPT_MESSAGE } from './scripts/accept-message';
import { ADVANCE_MESSAGE } from './scripts/advance-message';
import { parseMessage, type MessageRecord, type MessageStatus } from './records';

/** Message records are kept this long by default (7 days). */
export const DEFAULT_MESSAGE_RETENTION_SECONDS = 7 * 24 * 3600;

export interface NewMessage {
  readonly sessionId: string;
  readonly workspaceId: number;
  readonly to: string;
  readonly text: string;
  readonly idempotencyKey?: string;
}

export type AcceptOutcome =
  | { readonly kind: 'new'; readonly record: MessageRecord }
  | { readonly kind: 'duplicate'; readonly record: MessageRecord | undefined; readonly sameRequest: boolean };

/**
 * Fleet message ids double as WhatsApp message ids, so acks map back without a lookup: `3EB0`
 * followed by 20 upper-case hex digits, like the ids WhatsApp Web itself generates.
 */
export function newMessageId(): string {
  return `3EB0${randomBytes(10).toString('hex').toUpperCase()}`;
}

export const MESSAGE_ID_PATTERN = /^3EB0[0-9A-F]{20}$/;

function fingerprint(message: NewMessage): string {
  return createHash('sha256').update(JSON.stringify([message.sessionId, message.to, message.text])).digest('hex').slice(0, 32);
}

/** Outgoing message records: created by the ingress, advanced by the worker, read by both. */
export class MessageStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly retentionSeconds = DEFAULT_MESSAGE_RETENTION_SECONDS,
  ) {}

  async accept(message: NewMessage, now = Date.now()): Promise<AcceptOutcome> {
    const id = newMessageId();
    const print = fingerprint(message);
    const key = message.idempotencyKey ?? '';
    const [kind, resultId] = (await this.redis.eval(
      ACCEPT_MESSAGE,
      2,
      this.keys.message(id),
      this.keys.idempotency(message.sessionId, key),
      id,
      message.sessionId,
      String(message.workspaceId),
      print,
      String(this.retentionSeconds),
      key ? '1' : '0',
      String(now),
      key,
    )) as [string, string];
    if (kind === 'new') {
      const record: MessageRecord = {
        messageId: id,
        sessionId: message.sessionId,
        workspaceId: message.workspaceId,
        status: 'accepted',
        idempotencyKey: message.idempotencyKey,
        createdAt: now,
        updatedAt: now,
      };
      return { kind: 'new', record };
    }
    const record = await this.get(resultId);
    const stored = await this.redis.hget(this.keys.message(resultId), 'fingerprint');
    return { kind: 'duplicate', record, sameRequest: stored === print };
  }

  async get(messageId: string): Promise<MessageRecord | undefined> {
    return parseMessage(await this.redis.hgetall(this.keys.message(messageId)));
  }

  /** Moves the record forward (never backwards); returns whether it changed. */
  async advance(messageId: string, status: MessageStatus, reason = '', now = Date.now()): Promise<boolean> {
    const result = await this.redis.eval(ADVANCE_MESSAGE, 1, this.keys.message(messageId), status, String(now), reason);
    return result === 1;
  }
}
