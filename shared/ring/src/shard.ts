import { createHash } from 'node:crypto';

/** Default shard count: about ten times the largest expected worker count. */
export const DEFAULT_SHARD_COUNT = 128;

/**
 * shard = hash(workspace_id) mod S. The hash is the first 32 bits of MD5 over the decimal id, so
 * every process (and any other language) computes the same shard.
 */
export function shardOf(workspaceId: number, shardCount: number): number {
  const digest = createHash('md5').update(String(workspaceId)).digest();
  return digest.readUInt32BE(0) % shardCount;
}
