import { assertWorkspaceId } from '@fleet/errors';
import type { OperationsContext } from './context';
import { unknownInstance } from './errors';

/** Pins a workspace to a live, non-draining worker (overrides the ring for that workspace alone). */
export async function pinWorkspace(ctx: OperationsContext, workspaceId: number, instanceId: string): Promise<void> {
  assertWorkspaceId(workspaceId);
  const snapshot = await ctx.cluster.refresh();
  if (!snapshot.workers.some((worker) => worker.instanceId === instanceId && !worker.draining)) throw unknownInstance(instanceId);
  await ctx.redis.hset(ctx.keys.pins, String(workspaceId), instanceId);
  await ctx.cluster.membership.announce();
  await ctx.cluster.refresh();
}

/** Removes a workspace's pin; returns whether there was one. */
export async function unpinWorkspace(ctx: OperationsContext, workspaceId: number): Promise<boolean> {
  assertWorkspaceId(workspaceId);
  const removed = await ctx.redis.hdel(ctx.keys.pins, String(workspaceId));
  await ctx.cluster.membership.announce();
  await ctx.cluster.refresh();
  return removed === 1;
}
