import type { OperationsContext, Progress } from './context';
import { noProgress } from './context';
import { unknownInstance } from './errors';
import { waitForSessions, type SessionMove } from './moves';

export interface DrainResult {
  readonly instance: string;
  readonly draining: boolean;
  readonly sessions: readonly SessionMove[];
  readonly complete: boolean;
}

/**
 * Marks a worker draining (or, with `undo`, active again). A draining worker owns no shard: it stops
 * its sessions cleanly and releases their leases while the others take them over. The worker keeps
 * running (idle) until it is stopped or undrained. Waits for every moved session to settle.
 */
export async function drainInstance(
  ctx: OperationsContext,
  instanceId: string,
  options: { undo?: boolean; timeoutMs?: number; progress?: Progress } = {},
): Promise<DrainResult> {
  const progress = options.progress ?? noProgress;
  const snapshot = await ctx.cluster.refresh();
  const worker = snapshot.workers.find((w) => w.instanceId === instanceId);
  if (!worker) throw unknownInstance(instanceId);
  const draining = !options.undo;
  const owned = (await ctx.sessions.getMany([...(await ctx.redis.smembers(ctx.keys.sessions))])).filter((s) => s.owner === instanceId);
  const startedAt = Date.now();
  await ctx.cluster.membership.setDraining(worker, draining);
  progress(`${instanceId}: ${draining ? 'draining' : 'active again'}; ${owned.length} session(s) ran there`);
  if (!draining) return { instance: instanceId, draining, sessions: [], complete: true };
  const ids = owned.map((record) => record.sessionId);
  const sessions = await waitForSessions(ctx, ids, { timeoutMs: options.timeoutMs ?? 60_000, progress, startedAt });
  return { instance: instanceId, draining, sessions, complete: sessions.every((move) => move.settled && move.instance !== instanceId) };
}
