import type { Redis } from 'ioredis';
import type { Keys } from '@fleet/keys';

export interface Webhook {
  readonly url: string;
  readonly secret: string;
  /** Event types (or `session.*`, `message.*`, `*`) delivered; empty = every event. */
  readonly events: readonly string[];
  readonly updatedAt: number;
}

/** Per-workspace webhooks set through the API; they override LARAVEL_API_URL for that workspace. */
export class WebhookStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  /** Stores the webhook and wakes the dispatcher, so events held for want of a receiver go out now. */
  async set(workspaceId: number, webhook: Omit<Webhook, 'updatedAt'>, now = Date.now()): Promise<Webhook> {
    const stored = { ...webhook, updatedAt: now };
    await this.redis
      .multi()
      .hset(this.keys.webhook(workspaceId), 'url', webhook.url, 'secret', webhook.secret, 'events', webhook.events.join(','), 'updated_at', now)
      .zadd(this.keys.eventsPending, now, String(workspaceId))
      .publish(this.keys.eventsChannel, String(workspaceId))
      .exec();
    return stored;
  }

  async get(workspaceId: number): Promise<Webhook | undefined> {
    return parseWebhook(await this.redis.hgetall(this.keys.webhook(workspaceId)));
  }

  /** Removes the webhook (deliveries fall back to LARAVEL_API_URL, if set); true when one existed. */
  async remove(workspaceId: number, now = Date.now()): Promise<boolean> {
    const results = await this.redis.multi().del(this.keys.webhook(workspaceId)).zadd(this.keys.eventsPending, 'NX', now, String(workspaceId)).exec();
    return Number(results?.[0]?.[1] ?? 0) > 0;
  }
}

export function parseWebhook(fields: Record<string, string>): Webhook | undefined {
  if (!fields.url || !fields.secret) return undefined;
  return {
    url: fields.url,
    secret: fields.secret,
    events: (fields.events ?? '').split(',').filter((item) => item.length > 0),
    updatedAt: Number(fields.updated_at ?? 0),
  };
}
