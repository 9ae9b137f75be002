import type { Redis } from 'ioredis';
import type { Keys } from '@fleet/keys';
import type { Logger } from '@fleet/logger';
import type { SessionRequests } from '@fleet/state';

export interface ReplyWatchOptions {
  /** Connection the subscriber is duplicated from (on the first use). */
  readonly redis: Redis;
  readonly keys: Keys;
  readonly requests: SessionRequests;
  readonly logger: Logger;
}

interface Waiter {
  readonly finish: (answer: unknown) => void;
}

/**
 * Waits for the answers workers write to requests that need a session's socket (`SessionRequests`):
 * one subscriber per ingress on `keys.sessionReplies` wakes the request waiting for that id, which
 * reads the answer. As with the session watch, pub/sub is not a log: a wait reads once when it
 * starts and once more at its deadline, so a lost announcement costs time, never the answer.
 */
export class ReplyWatch {
  private subscriber: Redis | undefined;
  private subscribed: Promise<void> | undefined;
  private readonly waiting = new Map<string, Set<Waiter>>();
  private closed = false;

  constructor(private readonly options: ReplyWatchOptions) {}

  /** Subscribes (once); call before queueing the job whose answer `wait` then waits for. */
  ready(): Promise<void> {
    if (this.subscribed) return this.subscribed;
    const subscriber = this.options.redis.duplicate({ enableAutoPipelining: false, maxRetriesPerRequest: null });
    subscriber.on('error', (error: Error) => this.options.logger.warn('redis (reply watch) error', { error: error.message }));
    subscriber.on('message', (_channel: string, requestId: string) => this.wake(requestId));
    this.subscriber = subscriber;
    this.subscribed = subscriber.subscribe(this.options.keys.sessionReplies).then(() => undefined);
    this.subscribed.catch(() => {
      if (this.subscriber !== subscriber) return;
      this.subscribed = undefined;
      this.subscriber = undefined;
      subscriber.disconnect();
    });
    return this.subscribed;
  }

  /** The answer to `requestId` once written, or undefined after `timeoutMs` (or when the watch closes). */
  async wait<T>(requestId: string, timeoutMs: number): Promise<T | undefined> {
    const early = await this.options.requests.answer<T>(requestId);
    if (early !== undefined || this.closed) return early;
    return new Promise<T | undefined>((resolve) => {
      const waiter: Waiter = {
        finish: (answer) => {
          if (!this.remove(requestId, waiter)) return;
          clearTimeout(timer);
          resolve(answer as T | undefined);
        },
      };
      let set = this.waiting.get(requestId);
      if (!set) this.waiting.set(requestId, (set = new Set()));
      set.add(waiter);
      const timer = setTimeout(() => void this.read(requestId, waiter, true), timeoutMs);
      // Written between the first read and the registration: read once more now that it is registered.
      void this.read(requestId, waiter, false);
    });
  }

  /** Ends every wait with what is there now; later waits answer at once. */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.waiting.entries()].flatMap(([id, set]) => [...set].map((waiter) => [id, waiter] as const));
    await Promise.all(all.map(([id, waiter]) => this.read(id, waiter, true)));
    this.subscriber?.disconnect();
    this.subscriber = undefined;
    this.subscribed = undefined;
  }

  private wake(requestId: string): void {
    for (const waiter of this.waiting.get(requestId) ?? []) void this.read(requestId, waiter, false);
  }

  private async read(requestId: string, waiter: Waiter, last: boolean): Promise<void> {
    try {
      const answer = await this.options.requests.answer(requestId);
      if (answer !== undefined || last) waiter.finish(answer);
    } catch (error) {
      if (last) waiter.finish(undefined);
      else this.options.logger.warn('reply watch: read failed', { error: String(error) });
    }
  }

  private remove(requestId: string, waiter: Waiter): boolean {
    const set = this.waiting.get(requestId);
    if (!set?.delete(waiter)) return false;
    if (set.size === 0) this.waiting.delete(requestId);
    return true;
  }
}
