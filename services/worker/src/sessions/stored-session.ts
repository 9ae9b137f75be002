import type { Logger } from '@fleet/logger';
import type { LeaseHolder, LeasePurpose, LeaseStore, SessionRecord, SessionSecrets, SessionStore } from '@fleet/state';
import { FileAuthState } from '../auth-state';
import type { SessionConnector, SessionHandle, SessionHandlers, SessionSpec } from '../connector/types';
import type { WorkerMetrics } from '../metrics';
import { SessionBusyError } from './errors';
import { takeFencedLease } from './fenced-lease';
import { LOGGED_OUT_FIELDS } from './run-transitions';
import type { SessionEvents } from './session-events';
import { sessionSpec } from './session-spec';
import { cannotConnect } from './start-backoff';
import { sessionDir } from './storage-path';

/** How long a stored session may take to connect for its logout before the logout gives up on WhatsApp. */
export const STORED_LOGOUT_TIMEOUT_MS = 15_000;

export interface StoredSessionDeps {
  readonly connector: SessionConnector;
  readonly leases: LeaseStore;
  readonly logger: Logger;
  readonly holder: LeaseHolder;
}

/** What happened to a stored session's device: logged out on WhatsApp, never linked, or not reached in time. */
export type StoredLogout = 'logged_out' | 'not_linked' | 'unreachable';

export type StoredLogoutOutcome =
  { readonly done: true; readonly device: StoredLogout } | { readonly done: false; readonly reason: 'held' | 'restoring' | 'no_session' | 'not_registered' };

export interface StoredLogoutRequest {
  readonly record: SessionRecord;
  /** The desired state the lease is taken for: 'deleted' (a delete) or 'logged_out' (the API's logout). */
  readonly purpose: LeasePurpose;
  readonly dir: string;
  readonly spec: (epoch: number) => SessionSpec;
  /**
   * How the socket is closed once the device's state is known: a delete stops a never-linked one
   * (its directory goes anyway); the API's logout always logs out, which clears the auth state.
   */
  readonly clearAlways: boolean;
  /** Runs under the lease, after the socket closed and before the lease is let go (a fenced record write). */
  readonly whileHeld?: (epoch: number, device: StoredLogout) => Promise<void>;
}

/**
 * Opens a session that runs nowhere from its stored state, under a lease taken for `purpose`, just
 * long enough to log its device out on WhatsApp (which unlinks it from the phone), bounded by
 * STORED_LOGOUT_TIMEOUT_MS; a session that was never linked is not connected for nothing. The lease
 * is let go at the end whatever happened.
 */
export async function logoutStoredSession(deps: StoredSessionDeps, request: StoredLogoutRequest): Promise<StoredLogoutOutcome> {
  const { record } = request;
  const lease = await takeFencedLease(deps.leases, record.sessionId, deps.holder, request.dir, request.purpose);
  if (!lease.taken) return { done: false, reason: lease.reason };
  try {
    const device = await logoutUnderLease(deps, request, lease.epoch);
    await request.whileHeld?.(lease.epoch, device);
    return { done: true, device };
  } finally {
    await deps.leases.release(record.sessionId, deps.holder.instanceId, lease.epoch);
  }
}

async function logoutUnderLease(deps: StoredSessionDeps, request: StoredLogoutRequest, epoch: number): Promise<StoredLogout> {
  const { sessionId } = request.record;
  let settle: (device: StoredLogout) => void = () => undefined;
  const outcome = new Promise<StoredLogout>((resolve) => (settle = resolve));
  const timer = setTimeout(() => settle('unreachable'), STORED_LOGOUT_TIMEOUT_MS);
  const ignore = (): void => undefined;
  const handlers: SessionHandlers = {
    onConnected: () => settle('logged_out'),
    // A QR means the stored state was never linked; a logged-out or failed session has nothing linked.
    onQr: () => settle('not_linked'),
    onLoggedOut: () => settle('not_linked'),
    onFailed: () => settle('not_linked'),
    onDisconnected: (info) => (info.willReconnect ? undefined : settle('not_linked')),
    onMessageStatus: ignore,
    onIncomingMessage: ignore,
  };
  let handle: SessionHandle | undefined;
  try {
    handle = await deps.connector.start(request.spec(epoch), handlers);
    if (!request.record.phone) settle('not_linked');
    const device = await outcome;
    await (device === 'logged_out' || request.clearAlways ? handle.logout() : handle.stop());
    if (device === 'unreachable')
      deps.logger.warn('stored session did not connect in time: its device may stay linked on the phone; its local state is removed', { sessionId });
    else deps.logger.info(device === 'logged_out' ? 'stored session logged out on WhatsApp' : 'stored session had no linked device to log out', { sessionId });
    return device;
  } catch (error) {
    if (handle) await handle.stop().catch(() => undefined);
    if (request.clearAlways && cannotConnect(error)) {
      // Its proxy is refused, or cannot be opened: no retry would reach WhatsApp, and going around the
      // proxy is never an option. The local state is cleared so the logout ends (the device may stay
      // linked on the phone, as for a session that does not connect in time).
      await clearStoredState(request.dir, sessionId, epoch);
      deps.logger.warn('stored session cannot connect through its proxy: its device may stay linked on the phone; its local state is removed', {
        sessionId,
        error,
      });
      return 'unreachable';
    }
    // The API's logout must not report logged_out over credentials still on disk: it is tried again.
    if (request.clearAlways) throw error;
    deps.logger.warn('could not log a stored session out; its local state is removed anyway', { sessionId, error });
    return 'unreachable';
  } finally {
    clearTimeout(timer);
  }
}

/** Removes the credentials and keys under the lease's epoch (the fence stays, so epochs keep growing). */
async function clearStoredState(dir: string, sessionId: string, epoch: number): Promise<void> {
  const state = await FileAuthState.open({ dir, sessionId, epoch });
  await state.clear();
  await state.close();
}

export interface StoredSessionsOptions {
  readonly storagePath: string;
  readonly connector: SessionConnector;
  readonly sessions: SessionStore;
  readonly leases: LeaseStore;
  /** This worker's current registration; undefined while it is fenced (not registered). */
  readonly holder: () => LeaseHolder | undefined;
  readonly logger: Logger;
  readonly metrics: WorkerMetrics;
  readonly events: SessionEvents;
  readonly secrets?: SessionSecrets;
}

/**
 * The worker's commands for sessions that run nowhere (stopped, failed): their stored device is
 * connected just long enough to log out, for a delete or for the API's logout (see
 * `logoutStoredSession`).
 */
export class StoredSessions {
  constructor(private readonly options: StoredSessionsOptions) {}

  /** A stored session opened just long enough to log its device out (a delete, the API's logout). */
  async logout(record: SessionRecord, request: Pick<StoredLogoutRequest, 'purpose' | 'clearAlways' | 'whileHeld'>): Promise<StoredLogoutOutcome | undefined> {
    const { storagePath, secrets, logger } = this.options;
    const holder = this.options.holder();
    if (!holder) {
      if (request.clearAlways) throw new SessionBusyError(record.sessionId, 'this worker is not registered');
      return undefined;
    }
    const deps = { connector: this.options.connector, leases: this.options.leases, logger, holder };
    const outcome = await logoutStoredSession(deps, {
      ...request,
      record,
      dir: sessionDir(storagePath, record.workspaceId, record.sessionId),
      spec: (epoch) => sessionSpec(record, epoch, storagePath, secrets),
    });
    if (!outcome.done && request.purpose === 'deleted') {
      logger.warn('could not log a stored session out: its lease is not free', { sessionId: record.sessionId, reason: outcome.reason });
    }
    return outcome;
  }

  /** Unlinks a session that runs nowhere: its stored device is logged out, then its record written logged_out under that lease. */
  async unlink(record: SessionRecord): Promise<void> {
    const { sessions, events, metrics, leases } = this.options;
    const outcome = await this.logout(record, {
      purpose: 'logged_out',
      clearAlways: true,
      whileHeld: async (epoch) => {
        const written = await sessions.update(record.sessionId, { status: 'logged_out', ...LOGGED_OUT_FIELDS }, Date.now(), epoch);
        if (written) {
          events.loggedOut(record, 'api');
          metrics.sessionEvents.inc({ event: 'logged_out', reason: 'api' });
        }
      },
    });
    // Wanted otherwise meanwhile (started, deleted): nothing more to do. Held elsewhere: try again.
    if (outcome && !outcome.done && outcome.reason !== 'no_session') {
      if (outcome.reason === 'held') await leases.requestRelease(record.sessionId);
      throw new SessionBusyError(record.sessionId, outcome.reason);
    }
  }
}
