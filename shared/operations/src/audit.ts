import { routeOf } from '@fleet/cluster';
import type { OperationsContext } from './context';

export interface AuditRow {
  readonly workspace: number;
  readonly sessions: number;
  readonly connected: number;
  readonly messages: number;
  readonly traffic: 'high' | 'medium' | 'low';
  /** Where its sessions run now ('mixed' when on several workers, '-' when nowhere). */
  readonly current: string;
  /** Where the cluster routes it (its pin, else its shard's owner). */
  readonly target: string;
  readonly pinned: boolean;
}

/**
 * The checklist's pre-migration audit: sessions per workspace, traffic level from accepted-message
 * counts (busier than two thirds of the workspaces: high; than one third: medium; else, and silent: low), current and
 * target instance.
 */
export async function auditWorkspaces(ctx: OperationsContext): Promise<AuditRow[]> {
  const snapshot = await ctx.cluster.refresh();
  const records = await ctx.sessions.getMany(await ctx.redis.smembers(ctx.keys.sessions));
  const traffic = await ctx.redis.hgetall(ctx.keys.traffic);
  const byWorkspace = new Map<number, typeof records>();
  for (const record of records) byWorkspace.set(record.workspaceId, [...(byWorkspace.get(record.workspaceId) ?? []), record]);
  const counts = [...byWorkspace.keys()].map((ws) => Number(traffic[String(ws)] ?? 0));
  const level = (messages: number): AuditRow['traffic'] => {
    if (messages === 0) return 'low';
    // Share of workspaces with less traffic than this one.
    const rank = counts.filter((n) => n < messages).length / counts.length;
    return rank >= 2 / 3 ? 'high' : rank >= 1 / 3 ? 'medium' : 'low';
  };
  return [...byWorkspace.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([workspace, sessions]) => {
      const owners = new Set(sessions.map((s) => s.owner).filter((o): o is string => Boolean(o)));
      const messages = Number(traffic[String(workspace)] ?? 0);
      const route = routeOf(snapshot, workspace);
      return {
        workspace,
        sessions: sessions.length,
        connected: sessions.filter((s) => s.status === 'connected').length,
        messages,
        traffic: level(messages),
        current: owners.size === 0 ? '-' : owners.size === 1 ? [...owners][0]! : 'mixed',
        target: route.owner || '-',
        pinned: route.pinnedTo !== undefined,
      };
    });
}
