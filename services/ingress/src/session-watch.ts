import type { Redis } from 'ioredis';
import type { Keys } from '@fleet/keys';
import type { Logger } from '@fleet/logger';
import type { SessionRecord, SessionStore } from '@fleet/state';

export interface SessionWatchOptions {
  /** Connection the subscriber is duplicated from (created on the first wait). */
  readonly redis: Redis;
  readonly keys: Keys;
  readonly sessions: SessionStore;
  readonly logger: Logger;
  /** Requests waiting at once beyond which a wait answers at once with what is there. */
  readonly maxWaiters: number;
}

interface Waiter {
  readonly test: (record: SessionRecord) => boolean;
  readonly finish: (record: SessionRecord | undefined) => void;
  readonly fail: (error: unknown) => void;
  /** A read is running; `again` asks for one more after it (a change landed meanwhile). */
  reading: boolean;
  again: boolean;
}

/**
 * Long polls over session records: `until` answers as soon as a record satisfies a test, it is
 * removed, or the time is up. Workers announce status and QR changes on `keys.sessionChanges`
 * (`SessionStore.update`); one subscriber per ingress wakes the requests waiting on that session,
 * which re-read the record. Pub/sub is not a log: a wait also re-reads after the subscription is
 * (re)established, and its deadline reads once more, so a lost announcement costs latency, never
 * a wrong answer.
 */
export class SessionWatch {
  private subscriber: Redis | undefined;
  private subscribed: Promise<void> | undefined;
  /** The subscription is in place: announcements reach `wake`. */
  private listening = false;
  private readonly waiting = new Map<string, Set<Waiter>>();
  private count = 0;
  private closed = false;

  constructor(private readonly options: SessionWatchOptions) {}

  /** Requests waiting right now. */
  get waiters(): number {
    return this.count;
  }

  /**
   * The session's record once `test` holds for it (or it is gone), or as it is after `timeoutMs`.
   * Answers at once when it already holds, when `timeoutMs` is 0, when too many requests wait,
   * or once the watch is closing.
   */
  async until(sessionId: string, test: (record: SessionRecord) => boolean, timeoutMs: number): Promise<SessionRecord | undefined> {
    if (timeoutMs <= 0 || this.closed || this.count >= this.options.maxWaiters) return this.options.sessions.get(sessionId);
    if (!this.listening) {
      // Not subscribed yet (the first waits after a start): read, and only subscribe if it must wait.
      const first = await this.options.sessions.get(sessionId);
      if (!first || test(first)) return first;
    }
    return new Promise<SessionRecord | undefined>((resolve, reject) => {
      const waiter: Waiter = {
        test,
        reading: false,
        again: false,
        finish: (record) => {
          if (!this.remove(sessionId, waiter)) return;
          clearTimeout(timer);
          resolve(record);
        },
        fail: (error) => {
          if (!this.remove(sessionId, waiter)) return;
          clearTimeout(timer);
          reject(error);
        },
      };
      // Registered before the read that decides: an announcement from then on wakes it.
      this.add(sessionId, waiter);
      const timer = setTimeout(() => void this.read(sessionId, waiter, true), timeoutMs);
      this.subscribe().then(
        () => this.read(sessionId, waiter, false),
        (error: unknown) => {
          this.options.logger.warn('session watch: subscribe failed; the wait ends at its deadline', { error: String(error) });
        },
      );
    });
  }

  /** Answers every waiting request with its record as it is now; later waits answer at once. */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.waiting.entries()].flatMap(([id, set]) => [...set].map((waiter) => [id, waiter] as const));
    await Promise.all(all.map(([id, waiter]) => this.read(id, waiter, true)));
    this.subscriber?.disconnect();
    this.subscriber = undefined;
    this.listening = false;
  }

  private subscribe(): Promise<void> {
    if (this.subscribed) return this.subscribed;
    const channel = this.options.keys.sessionChanges;
    // Subscribes again itself after a reconnect: ioredis's own resubscription runs after its `ready`
    // event, so a read on `ready` could miss a change made before the SUBSCRIBE took effect.
    const subscriber = this.options.redis.duplicate({ enableAutoPipelining: false, maxRetriesPerRequest: null, autoResubscribe: false });
    subscriber.on('error', (error: Error) => this.options.logger.warn('redis (session watch) error', { error: error.message }));
    subscriber.on('message', (_channel: string, sessionId: string) => this.wake(sessionId));
    // After a reconnect, announcements may have been missed: once subscribed again, everyone reads again.
    let ready = false;
    subscriber.on('ready', () => {
      if (!ready) {
        ready = true;
        return;
      }
      subscriber.subscribe(channel).then(
        () => this.wakeAll(),
        (error: unknown) => this.options.logger.warn('session watch: subscribing again failed', { error: String(error) }),
      );
    });
    this.subscriber = subscriber;
    this.subscribed = subscriber.subscribe(channel).then(() => {
      this.listening = true;
    });
    this.subscribed.catch(() => {
      // Let a later wait try again.
      if (this.subscriber === subscriber) {
        this.subscribed = undefined;
        this.subscriber = undefined;
        subscriber.disconnect();
      }
    });
    return this.subscribed;
  }

  private wakeAll(): void {
    for (const id of [...this.waiting.keys()]) this.wake(id);
  }

  private wake(sessionId: string): void {
    const set = this.waiting.get(sessionId);
    if (set) for (const waiter of [...set]) void this.read(sessionId, waiter, false);
  }

  /**
   * Reads the record for one waiter; finishes it when the test holds, the record is gone or `last`.
   * A read asked for while one runs is folded into it (one more read after it), except the last.
   */
  private async read(sessionId: string, waiter: Waiter, last: boolean): Promise<void> {
    if (waiter.reading) {
      waiter.again = true;
      if (!last) return;
    }
    waiter.reading = true;
    try {
      do {
        waiter.again = false;
        const record = await this.options.sessions.get(sessionId);
        if (!record || last || waiter.test(record)) {
          waiter.finish(record);
          return;
        }
      } while (waiter.again);
    } catch (error) {
      // A failed wake-up read leaves the wait to its deadline; a failed last read is the answer.
      if (last) waiter.fail(error);
      else this.options.logger.warn('session watch: read failed', { session_id: sessionId, error: String(error) });
    } finally {
      waiter.reading = false;
    }
  }

  private add(sessionId: string, waiter: Waiter): void {
    let set = this.waiting.get(sessionId);
    if (!set) this.waiting.set(sessionId, (set = new Set()));
    set.add(waiter);
    this.count += 1;
  }

  /** False when the waiter had already finished. */
  private remove(sessionId: string, waiter: Waiter): boolean {
    const set = this.waiting.get(sessionId);
    if (!set?.delete(waiter)) return false;
    if (set.size === 0) this.waiting.delete(sessionId);
    this.count -= 1;
    return true;
  }
}
