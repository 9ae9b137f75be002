import { waitFor } from '@fleet/testing';
import { sleep } from '../bench/bench-util';
import type { LocalFleet } from './local-fleet';
import { SentTracker } from './sent-tracker';

export interface InvariantReport {
  /** Accepted message ids the simulator never received. */
  readonly lost: string[];
  /** Accepted messages whose content the simulator received under more than one message id (seen twice). */
  readonly duplicated: string[];
  /**
   * Accepted messages received more than once under their own id (re-run after a crash between the socket
   * write and the ack record; WhatsApp delivers an id once). At least once by design; present only when > 0.
   */
  readonly resent?: number;
  /**
   * Accepted messages not seen on accounts whose sent log dropped records before the tracker read them:
   * neither lost nor verified. Present only when there are some (a fully verified report has the five
   * fields above and below only); happens only if the tracker fell 1,000 messages behind on an account.
   */
  readonly unverified?: number;
  /** Accounts that ever had two sockets at once. */
  readonly doubleSockets: string[];
  /** 440 conflicts the simulator had to issue. */
  readonly conflicts: number;
  /** Accounts that were paired more than once (a session needed a new scan). */
  readonly rescanned: string[];
  /**
   * Copies of our accounts' messages the simulated recipients could not decrypt (a reused Signal
   * counter or key): each is a message a real phone would have had to ask for again. Must be 0.
   */
  readonly decryptFailures: number;
  /** Accepted messages still `queued` or `sending` when the check ended: a message must never stay there. */
  readonly stuck: string[];
}

/** Waits until every session is connected again (status read through the ingress). */
export async function waitAllConnected(fleet: LocalFleet, sessionIds: readonly string[], timeoutMs = 60_000): Promise<void> {
  await waitFor(
    async () => {
      const statuses = await Promise.all(sessionIds.map((id) => fleet.api('GET', `/api/sessions/${id}/status`)));
      return statuses.every((s) => s.body.status === 'connected');
    },
    { what: 'every session connected', timeoutMs, intervalMs: 250 },
  );
}

/** The account an accepted message went out from, when the caller recorded it. */
const phoneOf = (value: unknown): string | undefined => {
  const phone = (value as { phone?: unknown } | undefined)?.phone;
  return typeof phone === 'string' ? phone : undefined;
};

/**
 * The ownership invariants, checked at the simulator: every accepted message was received exactly
 * once, no account ever had two sockets at once or a conflict, and no account was paired twice.
 * Waits up to `timeoutMs` for accepted messages still on their way, reading the simulator's sent feeds
 * through `tracker` (pass the one that followed them during a long run; by default a new one reads every
 * feed from its start, which is exact as long as no account sent more than the simulator keeps).
 */
export async function checkInvariants(
  fleet: LocalFleet,
  accepted: ReadonlyMap<string, unknown>,
  phones: readonly string[],
  timeoutMs = 60_000,
  tracker = new SentTracker(fleet.simulator),
): Promise<InvariantReport> {
  const deadline = Date.now() + timeoutMs;
  let missing: string[];
  for (;;) {
    await tracker.drain();
    missing = [...accepted.keys()].filter((id) => tracker.received(id) === 0);
    if (missing.length === 0 || Date.now() > deadline) break;
    await sleep(500);
  }
  const ours = new Set(phones);
  const anyTruncated = [...tracker.truncated].some((phone) => ours.has(phone));
  const isUnverified = (id: string): boolean => {
    const phone = phoneOf(accepted.get(id));
    return phone === undefined ? anyTruncated : tracker.truncated.has(phone);
  };
  const unverified = missing.filter(isUnverified);
  const resent = tracker.resent().filter((id) => accepted.has(id));
  const stats = await fleet.simulator.stats();
  const accounts = stats.perAccount.filter((account) => ours.has(account.phone));
  const stuck = await unsettled(fleet, [...accepted.keys()], Math.max(5_000, deadline - Date.now()));
  return {
    lost: missing.filter((id) => !isUnverified(id)),
    duplicated: tracker.duplicated().filter((id) => accepted.has(id)),
    ...(unverified.length > 0 ? { unverified: unverified.length } : {}),
    ...(resent.length > 0 ? { resent: resent.length } : {}),
    doubleSockets: accounts.filter((account) => account.maxConcurrent > 1).map((account) => account.phone),
    conflicts: accounts.reduce((sum, account) => sum + account.conflicts, 0),
    rescanned: accounts.filter((account) => account.devices > 1).map((account) => account.phone),
    decryptFailures: accounts.reduce((sum, account) => sum + (account.decryptFailures ?? 0), 0),
    stuck,
  };
}

/** Statuses a message may not end in: it was neither acknowledged by the server nor failed. */
const UNSETTLED = new Set(['queued', 'sending']);
/** Message records read at once while looking for stuck messages. */
const READERS = 32;

/** Accepted messages still queued or sending after up to `timeoutMs` (read through the ingress). */
async function unsettled(fleet: LocalFleet, ids: readonly string[], timeoutMs: number): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let pending = [...ids];
  for (;;) {
    const still: string[] = [];
    for (let i = 0; i < pending.length; i += READERS) {
      const batch = pending.slice(i, i + READERS);
      const answers = await Promise.all(batch.map((id) => fleet.api('GET', `/api/messages/${id}`)));
      answers.forEach((answer, index) => {
        if (answer.status === 200 && UNSETTLED.has(answer.body.status)) still.push(batch[index]!);
      });
    }
    pending = still;
    if (pending.length === 0 || Date.now() > deadline) return pending;
    await sleep(1_000);
  }
}
