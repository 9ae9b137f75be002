import { routeOf } from '@fleet/cluster';
import type { SessionRecord } from '@fleet/state';
import { sleep, type OperationsContext, type Progress } from './context';

export interface SessionMove {
  readonly sessionId: string;
  readonly workspaceId: number;
  /** Where the session runs at the end (its record's owner). */
  readonly instance: string | null;
  readonly status: string;
  /** True when it runs where the cluster wants it and is settled (connected, or waiting for a scan). */
  readonly settled: boolean;
  readonly seconds: number;
}

const SETTLED = new Set(['connected', 'qr', 'logged_out', 'failed', 'stopped']);

/**
 * Waits until each session runs on the worker the cluster now routes it to and has settled,
 * reporting each one as it does; gives up after `timeoutMs` and reports the rest as they are.
 */
export async function waitForSessions(
  ctx: OperationsContext,
  sessionIds: readonly string[],
  options: { timeoutMs: number; progress: Progress; startedAt?: number },
): Promise<SessionMove[]> {
  const startedAt = options.startedAt ?? Date.now();
  const done = new Map<string, SessionMove>();
  let last: SessionRecord[] = [];
  while (done.size < sessionIds.length) {
    const snapshot = await ctx.cluster.refresh();
    last = await ctx.sessions.getMany(sessionIds.filter((id) => !done.has(id)));
    for (const record of last) {
      const target = routeOf(snapshot, record.workspaceId).owner;
      const inactive = record.desired !== 'running';
      if ((record.owner === target && SETTLED.has(record.status)) || inactive) {
        const move = toMove(record, true, startedAt);
        done.set(record.sessionId, move);
        options.progress(
          `  ${record.sessionId}: ${move.status} on ${move.instance ?? '-'} after ${move.seconds.toFixed(1)} s (${done.size}/${sessionIds.length})`,
        );
      }
    }
    if (done.size < sessionIds.length && Date.now() - startedAt > options.timeoutMs) break;
    if (done.size < sessionIds.length) await sleep(250);
  }
  const unsettled = last.filter((record) => !done.has(record.sessionId)).map((record) => toMove(record, false, startedAt));
  return [...done.values(), ...unsettled];
}

function toMove(record: SessionRecord, settled: boolean, startedAt: number): SessionMove {
  return {
    sessionId: record.sessionId,
    workspaceId: record.workspaceId,
    instance: record.owner ?? null,
    status: record.status,
    settled,
    seconds: (Date.now() - startedAt) / 1000,
  };
}
