import { assertWorkspaceId } from '@fleet/errors';
import { noProgress, type OperationsContext, type Progress } from './context';
import { waitForSessions, type SessionMove } from './moves';
import { pinWorkspace } from './pins';

export interface MigrationResult {
  readonly workspaceId: number;
  readonly to: string;
  readonly sessions: readonly SessionMove[];
  /** True when every session settled on the target before the timeout. */
  readonly complete: boolean;
}

/**
 * The checklist's SessionMigration: pins the workspace to `to`; its current owner stops each session
 * cleanly and releases the lease, the target takes the lease and starts it from shared storage.
 * Queued jobs follow the pin (the old queue's consumer forwards them), so no message is lost.
 */
export async function migrateWorkspace(
  ctx: OperationsContext,
  workspaceId: number,
  to: string,
  options: { timeoutMs?: number; progress?: Progress } = {},
): Promise<MigrationResult> {
  assertWorkspaceId(workspaceId);
  const progress = options.progress ?? noProgress;
  const ids = await ctx.sessions.idsInWorkspace(workspaceId);
  const startedAt = Date.now();
  await pinWorkspace(ctx, workspaceId, to);
  progress(`workspace ${workspaceId}: pinned to ${to}; moving ${ids.length} session(s)`);
  const sessions = await waitForSessions(ctx, ids, { timeoutMs: options.timeoutMs ?? 60_000, progress, startedAt });
  return { workspaceId, to, sessions, complete: sessions.every((move) => move.settled) };
}
