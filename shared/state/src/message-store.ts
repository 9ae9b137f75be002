import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Keys } from '@fleet/keys';
import { SCRIPTS } from './scripts';
import { parseMessage, type MessageRecord, type MessageStatus } from './records';

/** Message records are kept this long by default (7 days). */
export const DEFAULT_MESSAGE_RETENTION_SECONDS = 7 * 24 * 3600;

export interface NewMessage {
  readonly sessionId: string;
  readonly to: string;
  readonly text: string;
  readonly idempotencyKey?: string;
}

export type AcceptOutcome =
  | { readonly kind: 'no_session' }
  | { readonly kind: 'new'; readonly record: MessageRecord; readonly shard: number }
  | {
      readonly kind: 'duplicate';
      readonly record: MessageRecord | undefined;
      readonly sameRequest: boolean;
      readonly shard: number;
    };

/**
 * Fleet message ids double as WhatsApp message ids, so acks map back without a lookup: `3EB0`
 * followed by 20 upper-case hex digits, like the ids WhatsApp Web itself generates.
 */
export function newMessageId(): string {
  return `3EB0${randomHex(10)}`;
}

const POOL_BYTES = 4096;
let pool = randomBytes(POOL_BYTES);
let offset = 0;

/** Upper-case hex of `bytes` random bytes, drawn from a pooled CSPRNG buffer (hot path). */
function randomHex(bytes: number): string {
  if (offset + bytes > POOL_BYTES) {
    pool = randomBytes(POOL_BYTES);
    offset = 0;
  }
  const hex = pool.toString('hex', offset, offset + bytes).toUpperCase();
  offset += bytes;
  return hex;
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

  /** Checks the session and records the message in one round trip (see accept-message). */
  async accept(message: NewMessage, now = Date.now()): Promise<AcceptOutcome> {
    const id = newMessageId();
    const print = fingerprint(message);
    const key = message.idempotencyKey ?? '';
    const keys = [this.keys.message(id), this.keys.idempotency(message.sessionId, key), this.keys.session(message.sessionId), this.keys.traffic];
    const args = [id, message.sessionId, print, this.retentionSeconds, key ? '1' : '0', now, key];
    const [kind, resultId, workspaceId, shard] = (await SCRIPTS.acceptMessage.run(this.redis, keys, args)) as string[];
    if (kind === 'no_session') return { kind };
    if (kind === 'new') {
      const record: MessageRecord = {
        messageId: id,
        sessionId: message.sessionId,
        workspaceId: Number(workspaceId),
        status: 'queued',
        idempotencyKey: message.idempotencyKey,
        createdAt: now,
        updatedAt: now,
      };
      return { kind: 'new', record, shard: Number(shard) };
    }
    const fields = await this.redis.hgetall(this.keys.message(resultId!));
    return { kind: 'duplicate', record: parseMessage(fields), sameRequest: fields.fingerprint === print, shard: Number(shard) };
  }

  async get(messageId: string): Promise<MessageRecord | undefined> {
    return parseMessage(await this.redis.hgetall(this.keys.message(messageId)));
  }

  /**
   * Marks the message `sending` before a socket write (see begin-send) and returns its status after
   * that step: write it unless that is `sent`, `delivered`, `read` or `failed`; undefined when the
   * record is gone.
   */
  async beginSend(messageId: string, now = Date.now()): Promise<MessageStatus | undefined> {
    const status = (await SCRIPTS.beginSend.run(this.redis, [this.keys.message(messageId)], [now])) as string;
    return status === '' ? undefined : (status as MessageStatus);
  }

  /** Moves the record forward (never backwards); returns whether it changed. */
  async advance(messageId: string, status: MessageStatus, reason = '', now = Date.now()): Promise<boolean> {
    const result = await SCRIPTS.advanceMessage.run(this.redis, [this.keys.message(messageId)], [status, now, reason]);
    return result === 1;
  }
}
