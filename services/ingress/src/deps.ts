import type { Redis } from 'ioredis';
import type { ApiKeyStore } from '@fleet/api-keys';
import type { BackupRequests, SnapshotStore } from '@fleet/backups';
import type { ClusterView } from '@fleet/cluster';
import type { Keys } from '@fleet/keys';
import type { Logger } from '@fleet/logger';
import type { MediaStore, MediaSweeper } from '@fleet/media';
import type { MessageLedger } from '@fleet/messages';
import type { AddressGuard } from '@fleet/net';
import type { WorkerWakes, RestoreLockStore, SessionRequests, SessionSecrets, SessionStore, ShardQueues } from '@fleet/state';
import type { WorkspaceKeyCache } from './auth/workspace-key-cache';
import type { HealthSweep } from './health-sweep';
import type { MediaGateway } from './message-content';
import type { IngressMetrics } from './metrics';
import type { RateLimiter, RateLimitSettings } from './rate-limit/rate-limiter';
import type { ReplyWatch } from './reply-watch';
import type { SessionWatch } from './session-watch';

/** What the routes need, built once by `createIngress` (and by tests). */
export interface IngressDeps {
  readonly redis: Redis;
  readonly keys: Keys;
  readonly cluster: ClusterView;
  readonly sessions: SessionStore;
  /** Sessions a restore is replacing: the routes that create, start, stop or delete one answer 409. */
  readonly restoreLocks: RestoreLockStore;
  readonly messages: MessageLedger;
  readonly queues: ShardQueues;
  /** Wake-ups of the worker running a session (a send, a start): on its channel, or as a job in the shard's queue. */
  readonly wakes: WorkerWakes;
  readonly logger: Logger;
  readonly metrics: IngressMetrics;
  readonly healthSweep: HealthSweep;
  /** Checks (and, inline, stores) the media of messages before they are queued. */
  readonly media: MediaGateway;
  /** Long polls over session records (QR wait). */
  readonly sessionWatch: SessionWatch;
  /** Seals session secrets (proxy URLs) with SESSION_SECRETS_KEY. */
  readonly secrets: SessionSecrets;
  /** Requests a session's worker answers through a job (contacts checks), and their answers. */
  readonly requests: SessionRequests;
  readonly replies: ReplyWatch;
  /** Uploaded and inbound media: objects in S3, records in Redis. */
  readonly mediaStore: MediaStore;
  /** Deletes expired media objects in the background. */
  readonly mediaSweeper: MediaSweeper;
  /** Signed media links: their base (PUBLIC_BASE_URL, else the request's origin) and lifetime. */
  readonly mediaLinks: { readonly publicBaseUrl: string | undefined; readonly ttlSeconds: number };
  /** The snapshot catalogue in S3 (read only) and requests to the backup service (through its queue). */
  readonly backups: { readonly store: SnapshotStore; readonly requests: BackupRequests };
  /** Which hosts a webhook URL may point at (WEBHOOK_ALLOW), judged when it is set. */
  readonly webhookGuard: AddressGuard;
  /** Which hosts a session's proxy may be (PROXY_ALLOW), judged when it is set. */
  readonly proxyGuard: AddressGuard;
  /** Workspace API keys (hashes only): created, listed and revoked by the admin routes. */
  readonly apiKeys: ApiKeyStore;
  /** Checks workspace keys without a Redis read per request; revocations reach it by pub/sub. */
  readonly workspaceKeys: WorkspaceKeyCache;
  /** Token buckets in Redis, shared by every ingress. */
  readonly rateLimiter: RateLimiter;
  readonly rateLimits: RateLimitSettings;
}
