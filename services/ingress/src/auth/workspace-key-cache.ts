import { timingSafeEqual } from 'node:crypto';
import type { Redis } from 'ioredis';
import { hashSecret, parseKey, type ApiKeyRecord, type ApiKeyStore } from '@fleet/api-keys';
import type { Keys } from '@fleet/keys';
import type { Logger } from '@fleet/logger';

export interface WorkspaceKeyCacheOptions {
  readonly redis: Redis;
  readonly keys: Keys;
  readonly store: ApiKeyStore;
  readonly logger: Logger;
  /** How long a key read while revocations are being heard is trusted. Default 60 s. */
  readonly ttlMs?: number;
  /** How long one read otherwise (before the subscription, during a gap in it, an unknown id). Default 1 s. */
  readonly unsubscribedTtlMs?: number;
  /** Last use is written at most this often per key (per ingress). Default 60 s. */
  readonly touchEveryMs?: number;
  /** Keys remembered at most. Default 10 000. */
  readonly maxEntries?: number;
}

export type KeyCheck = { readonly ok: true; readonly record: ApiKeyRecord } | { readonly ok: false; readonly reason: 'unknown' | 'revoked' };

interface Entry {
  readonly record: ApiKeyRecord | undefined;
  readonly fetchedAt: number;
  /** The subscription generation it was read under; 0 when not subscribed then. */
  readonly generation: number;
}

/**
 * Checks workspace keys against the store without a Redis read per request: records are cached, and
 * dropped the moment a revocation is announced on `keys.apiKeysChannel`. A cached record is trusted for
 * `ttlMs` only while the subscription that would have heard its revocation is up and has been up since
 * the read; otherwise (before the first subscription, during a reconnect) for `unsubscribedTtlMs`, so
 * a revocation takes effect on every ingress within about a second even when an announcement is lost.
 * Secrets are compared as sha256 digests in constant time.
 */
export class WorkspaceKeyCache {
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<Entry>>();
  private readonly touched = new Map<string, number>();
  private subscriber: Redis | undefined;
  /** Current subscription generation: 0 while not subscribed; a new number each time it is (re)established. */
  private generation = 0;
  private generations = 0;
  /** Bumped by every announcement: a read that started before one is not kept. */
  private announcements = 0;
  private closed = false;
  private readonly ttlMs: number;
  private readonly unsubscribedTtlMs: number;
  private readonly touchEveryMs: number;
  private readonly maxEntries: number;

  constructor(private readonly options: WorkspaceKeyCacheOptions) {
    this.ttlMs = options.ttlMs ?? 60_000;
    this.unsubscribedTtlMs = options.unsubscribedTtlMs ?? 1_000;
    this.touchEveryMs = options.touchEveryMs ?? 60_000;
    this.maxEntries = options.maxEntries ?? 10_000;
  }

  /** Whether `token` is a live workspace key; records its use (throttled). */
  async check(token: string, now = Date.now()): Promise<KeyCheck> {
    const parsed = parseKey(token);
    if (!parsed) return { ok: false, reason: 'unknown' };
    this.subscribe();
    const record = (await this.lookup(parsed.id, now)).record;
    if (!record || !sameDigest(hashSecret(parsed.secret), record.secretHash)) return { ok: false, reason: 'unknown' };
    if (record.revokedAt !== null) return { ok: false, reason: 'revoked' };
    this.touch(record.id, now);
    return { ok: true, record };
  }

  close(): void {
    this.closed = true;
    this.subscriber?.disconnect();
    this.entries.clear();
  }

  private async lookup(id: string, now: number): Promise<Entry> {
    const cached = this.entries.get(id);
    if (cached && now - cached.fetchedAt < this.ttlOf(cached)) return cached;
    let pending = this.loading.get(id);
    if (!pending) {
      pending = this.load(id).finally(() => this.loading.delete(id));
      this.loading.set(id, pending);
    }
    return pending;
  }

  private async load(id: string): Promise<Entry> {
    const announcements = this.announcements;
    const generation = this.generation;
    const record = await this.options.store.get(id);
    const entry: Entry = { record, fetchedAt: Date.now(), generation };
    if (announcements === this.announcements && !this.closed) {
      this.entries.delete(id);
      this.entries.set(id, entry);
      if (this.entries.size > this.maxEntries) this.evictOldest();
    }
    return entry;
  }

  private ttlOf(entry: Entry): number {
    const heard = entry.record !== undefined && entry.generation !== 0 && entry.generation === this.generation;
    return heard ? this.ttlMs : this.unsubscribedTtlMs;
  }

  private evictOldest(): void {
    const oldest = this.entries.keys().next().value;
    if (oldest === undefined) return;
    this.entries.delete(oldest);
    this.touched.delete(oldest);
  }

  private touch(id: string, now: number): void {
    if (now - (this.touched.get(id) ?? 0) < this.touchEveryMs) return;
    this.touched.set(id, now);
    this.options.store.touch(id, now).catch((error: unknown) => {
      this.options.logger.warn("could not record an API key's last use; tried again on a later request", { key_id: id, error });
      this.touched.delete(id);
    });
  }

  /**
   * Subscribes on the first workspace key seen. The SUBSCRIBE goes out on each `ready` (the first
   * connect and every reconnect; not during the handshake, and not left to ioredis's resubscription,
   * which runs after `ready`): from its answer on, announcements are heard again.
   */
  private subscribe(): void {
    if (this.subscriber || this.closed) return;
    const subscriber = this.options.redis.duplicate({ enableAutoPipelining: false, maxRetriesPerRequest: null, autoResubscribe: false });
    this.subscriber = subscriber;
    const channel = this.options.keys.apiKeysChannel;
    subscriber.on('error', (error: Error) => this.options.logger.warn('API key announcements: redis error', { error: error.message }));
    subscriber.on('message', (_channel: string, id: string) => {
      this.announcements += 1;
      this.entries.delete(id);
    });
    // Not heard while down: nothing read before the gap is trusted past the short TTL again.
    subscriber.on('close', () => (this.generation = 0));
    const establish = (): void => {
      subscriber.subscribe(channel).then(
        () => {
          this.generations += 1;
          this.generation = this.generations;
        },
        (error: unknown) => this.options.logger.warn('API key announcements: subscribe failed; keys are read again every second', { error }),
      );
    };
    subscriber.on('ready', establish);
  }
}

function sameDigest(hexA: string, hexB: string): boolean {
  const a = Buffer.from(hexA, 'hex');
  const b = Buffer.from(hexB, 'hex');
  return a.length === b.length && a.length > 0 && timingSafeEqual(a, b);
}
