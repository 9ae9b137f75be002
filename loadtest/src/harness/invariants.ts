import { waitFor } from '@fleet/testing';
import type { LocalFleet } from './local-fleet';

export interface InvariantReport {
  /** Accepted message ids the simulator never received. */
  readonly lost: string[];
  /** Message ids the simulator received more than once. */
  readonly duplicated: string[];
  /** Accounts that ever had two sockets at once. */
  readonly doubleSockets: string[];
  /** 440 conflicts the simulator had to issue. */
  readonly conflicts: number;
  /** Accounts that were paired more than once (a session needed a new scan). */
  readonly rescanned: string[];
}

/** Waits until every session is connected again (status read through the ingress). */
export async function waitAllConnected(fleet: LocalFleet, sessionIds: readonly string[], timeoutMs = 60_000): Promise<void> {
  await waitFor(async () => {
    const statuses = await Promise.all(sessionIds.map((id) => fleet.api('GET', `/api/sessions/${id}/status`)));
    return statuses.every((s) => s.body.status === 'connected');
  }, { what: 'every session connected', timeoutMs, intervalMs: 250 });
}

/**
 * The ownership invariants, checked at the simulator: every accepted message was received exactly
 * once, no account ever had two sockets at once or a conflict, and no account was paired twice.
 */
export async function checkInvariants(fleet: LocalFleet, accepted: ReadonlyMap<string, unknown>, phones: readonly string[], timeoutMs = 60_000): Promise<InvariantReport> {
  const received = new Map<string, number>();
  const collect = async (): Promise<void> => {
    received.clear();
    for (const phone of phones) {
      for (const message of await fleet.simulator.sent(phone)) received.set(message.id, (received.get(message.id) ?? 0) + 1);
    }
  };
  await waitFor(async () => {
    await collect();
    return [...accepted.keys()].every((id) => received.has(id));
  }, { what: 'every accepted message at the simulator', timeoutMs, intervalMs: 500 }).catch(() => undefined);
  await collect();
  const stats = await fleet.simulator.stats();
  const accounts = stats.perAccount.filter((account) => phones.includes(account.phone));
  return {
    lost: [...accepted.keys()].filter((id) => !received.has(id)),
    duplicated: [...received.entries()].filter(([id, count]) => accepted.has(id) && count > 1).map(([id]) => id),
    doubleSockets: accounts.filter((account) => account.maxConcurrent > 1).map((account) => account.phone),
    conflicts: accounts.reduce((sum, account) => sum + account.conflicts, 0),
    rescanned: accounts.filter((account) => account.devices > 1).map((account) => account.phone),
  };
}
