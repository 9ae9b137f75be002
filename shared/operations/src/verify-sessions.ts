import type { OperationsContext } from './context';

/** A session that should be connected but is not, with the reason an operator acts on. */
export interface SessionProblem {
  readonly sessionId: string;
  readonly workspaceId: number;
  readonly status: string;
  readonly owner: string;
  readonly reason: string;
}

export interface SessionVerification {
  readonly total: number;
  readonly wanted: number;
  readonly connected: number;
  readonly problems: readonly SessionProblem[];
}

/** Statuses a human must act on (scan a QR, re-pair) rather than wait for. */
const REASONS: Record<string, string> = {
  qr: 'waiting for a QR scan',
  logged_out: 'logged out from the phone: pair again',
  failed: 'failed',
  starting: 'starting',
  disconnected: 'disconnected, reconnecting',
};

/**
 * The checklist's verify-all-sessions: reads every session record and lists each one that should
 * run (`desired: running`) but is not `connected`, with why: its status and last error, an owner that
 * is no longer a live worker, or a shard whose owner differs from the session's (a move in progress).
 */
export async function verifySessions(ops: OperationsContext): Promise<SessionVerification> {
  const snapshot = await ops.cluster.refresh();
  const live = new Set(snapshot.workers.map((worker) => worker.instanceId));
  const ids = (await Promise.all(Array.from({ length: snapshot.shardCount }, (_, shard) => ops.sessions.idsInShard(shard)))).flat();
  const records = await ops.sessions.getMany(ids);
  const wanted = records.filter((record) => record.desired === 'running');
  const problems: SessionProblem[] = [];
  for (const record of wanted) {
    if (record.status === 'connected' && record.owner && live.has(record.owner)) continue;
    const shardOwner = snapshot.placement.owners[record.shard];
    let reason = REASONS[record.status] ?? record.status;
    if (record.status === 'connected') reason = `marked connected but its owner ${record.owner ?? '(none)'} is not a live worker`;
    else if (record.owner && !live.has(record.owner)) reason = `${reason}; owner ${record.owner} is not a live worker`;
    else if (shardOwner && record.owner && shardOwner !== record.owner) reason = `${reason}; moving to ${shardOwner}`;
    if (!shardOwner) reason = `${reason}; shard ${record.shard} has no owner (no live worker)`;
    if (record.lastError) reason = `${reason} (last error: ${record.lastError})`;
    problems.push({ sessionId: record.sessionId, workspaceId: record.workspaceId, status: record.status, owner: record.owner ?? '', reason });
  }
  return { total: records.length, wanted: wanted.length, connected: wanted.length - problems.length, problems };
}
