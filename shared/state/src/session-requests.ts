import type { Redis } from 'ioredis';
import type { Keys } from '@fleet/keys';

/** A worker's answer to a contacts check: one result per phone, or why there is none. */
export type ContactCheckAnswer =
  | { readonly results: ReadonlyArray<{ readonly phone: string; readonly exists: boolean; readonly jid: string | null }> }
  | { readonly error: 'not_connected' | 'check_failed'; readonly status?: string };

/**
 * Requests a worker answers through a job (a contacts check needs the session's live socket): the
 * ingress stores the input under a request id (short expiry; jobs carry ids only, never phone
 * numbers), queues the job, and waits for the answer, which the worker writes (short expiry) and
 * announces on `keys.sessionReplies`.
 */
export class SessionRequests {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  async put(requestId: string, input: unknown, ttlSeconds: number): Promise<void> {
    await this.redis.set(this.keys.sessionRequest(requestId), JSON.stringify(input), 'EX', ttlSeconds);
  }

  /** A request's input; undefined once it expired. */
  async input<T>(requestId: string): Promise<T | undefined> {
    const text = await this.redis.get(this.keys.sessionRequest(requestId));
    return text === null ? undefined : (JSON.parse(text) as T);
  }

  /** Writes the answer, then announces it (a listener reads it when it hears this). */
  async reply(requestId: string, answer: unknown, ttlSeconds: number): Promise<void> {
    await this.redis.set(this.keys.sessionReply(requestId), JSON.stringify(answer), 'EX', ttlSeconds);
    await this.redis.publish(this.keys.sessionReplies, requestId);
  }

  /** The answer to a request; undefined while there is none. */
  async answer<T>(requestId: string): Promise<T | undefined> {
    const text = await this.redis.get(this.keys.sessionReply(requestId));
    return text === null ? undefined : (JSON.parse(text) as T);
  }

  /** Drops a request and its answer (the asker is done with them). */
  async forget(requestId: string): Promise<void> {
    await this.redis.del(this.keys.sessionRequest(requestId), this.keys.sessionReply(requestId));
  }
}
