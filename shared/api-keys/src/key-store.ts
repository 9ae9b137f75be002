import type { Redis } from 'ioredis';
import { ApiError, assertWorkspaceId } from '@fleet/errors';
import type { Keys } from '@fleet/keys';
import { generateKey, KEY_ID_PATTERN } from './key-format';
import { isScope, normalizeScopes, type Scope } from './scopes';
import { createKeyScript, revokeKeyScript, touchKeyScript } from './scripts';

/** A workspace key as stored: never its secret, only the secret's sha256. */
export interface ApiKeyRecord {
  readonly id: string;
  readonly workspaceId: number;
  readonly name: string | null;
  readonly scopes: readonly Scope[];
  /** Hex sha256 of the key's secret. */
  readonly secretHash: string;
  readonly createdAt: number;
  /** Last request made with it (recorded at most about once a minute per ingress); null: never used. */
  readonly lastUsedAt: number | null;
  readonly revokedAt: number | null;
}

export interface CreateKeyRequest {
  readonly workspaceId: number;
  readonly name?: string | undefined;
  /** Omitted or empty: every scope. */
  readonly scopes?: readonly string[] | undefined;
}

/** A name for people: 1-100 characters, no control characters. */
export const KEY_NAME_PATTERN = /^[^\p{Cc}]{1,100}$/u;

/**
 * Workspace API keys in Redis: created (the whole key is answered once and never stored), listed,
 * revoked (kept, marked, announced on `keys.apiKeysChannel` so every ingress forgets it at once) and
 * touched (last use). Admin keys are not here: they are the ingress's `API_KEYS`.
 */
export class ApiKeyStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  /** Stores a new key; the answer's `key` is the only copy of the secret there will ever be. */
  async create(request: CreateKeyRequest, now = Date.now()): Promise<{ record: ApiKeyRecord; key: string }> {
    assertWorkspaceId(request.workspaceId);
    if (request.name !== undefined && !KEY_NAME_PATTERN.test(request.name)) {
      throw new ApiError('VALIDATION_FAILED', 'name must be 1 to 100 characters without control characters');
    }
    let scopes: Scope[];
    try {
      scopes = normalizeScopes(request.scopes);
    } catch (error) {
      throw new ApiError('VALIDATION_FAILED', (error as Error).message, { scopes: request.scopes });
    }
    for (;;) {
      const fresh = generateKey();
      const stored = await createKeyScript.run(this.redis, {
        keys: this.keys,
        id: fresh.id,
        workspaceId: request.workspaceId,
        name: request.name ?? '',
        scopes,
        secretHash: fresh.secretHash,
        createdAt: now,
      });
      if (!stored) continue; // 2^-64 per key: draw again
      const record: ApiKeyRecord = {
        id: fresh.id,
        workspaceId: request.workspaceId,
        name: request.name ?? null,
        scopes,
        secretHash: fresh.secretHash,
        createdAt: now,
        lastUsedAt: null,
        revokedAt: null,
      };
      return { record, key: fresh.key };
    }
  }

  async get(id: string): Promise<ApiKeyRecord | undefined> {
    if (!KEY_ID_PATTERN.test(id)) return undefined;
    return parseRecord(await this.redis.hgetall(this.keys.apiKey(id)));
  }

  /** Every key (revoked ones too), oldest first; or one workspace's. */
  async list(filter: { workspaceId?: number | undefined } = {}): Promise<ApiKeyRecord[]> {
    const index = filter.workspaceId === undefined ? this.keys.apiKeys : this.keys.workspaceApiKeys(filter.workspaceId);
    const ids = await this.redis.zrange(index, 0, -1);
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.keys.apiKey(id));
    const replies = (await pipeline.exec()) ?? [];
    return replies.flatMap(([error, fields]) => {
      if (error) throw error;
      const record = parseRecord(fields as Record<string, string>);
      return record ? [record] : [];
    });
  }

  /** Revokes a key: its revoked_at (an earlier one for a key already revoked), or undefined when there is no such key. */
  async revoke(id: string, now = Date.now()): Promise<number | undefined> {
    if (!KEY_ID_PATTERN.test(id)) return undefined;
    return revokeKeyScript.run(this.redis, { keys: this.keys, id, now });
  }

  /** Records a use of the key (callers throttle: at most about one write per key per minute). */
  async touch(id: string, at = Date.now()): Promise<void> {
    await touchKeyScript.run(this.redis, { keys: this.keys, id, at });
  }
}

function parseRecord(fields: Record<string, string>): ApiKeyRecord | undefined {
  if (!fields.id || !fields.secret_hash) return undefined;
  const optionalTime = (value: string | undefined): number | null => (value ? Number(value) : null);
  return {
    id: fields.id,
    workspaceId: Number(fields.workspace_id),
    name: fields.name ? fields.name : null,
    scopes: (fields.scopes ?? '').split(',').filter(isScope),
    secretHash: fields.secret_hash,
    createdAt: Number(fields.created_at),
    lastUsedAt: optionalTime(fields.last_used_at),
    revokedAt: optionalTime(fields.revoked_at),
  };
}
