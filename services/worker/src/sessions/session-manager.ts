import { rm } from 'node:fs/promises';
import type { EventSink } from '@fleet/events';
import type { Logger } from '@fleet/logger';
import type { MessageLedger } from '@fleet/messages';
import type {
  ContactsCheckJob,
  LeaseHolder,
  LeaseStore,
  MessageSendJob,
  SessionRecord,
  SessionRequests,
  SessionSecrets,
  SessionStatus,
  SessionStore,
} from '@fleet/state';
import type { SessionConnector, SessionSpec } from '../connector/types';
import type { WorkerMetrics } from '../metrics';
import { takeFencedLease } from './fenced-lease';
import { DEFAULT_SEND_POLICY, type SendPolicy } from './outbox-sender';
import { SessionEvents } from './session-events';
import type { InboundMediaStore } from './inbound-lane';
import { answerContactsCheck } from './contacts-check';
import { SessionBusyError } from './errors';
import { sessionSpec } from './session-spec';
import { SessionRun } from './session-run';
import { StoredSessions } from './stored-session';
import { StartBackoff, type StartBackoffOptions } from './start-backoff';
import { sessionDir } from './storage-path';

export interface SessionManagerOptions {
  readonly instanceId: string;
  readonly storagePath: string;
  readonly connector: SessionConnector;
  readonly sessions: SessionStore;
  /** Outgoing messages: each session's outbox, sent in order while it is connected here. */
  readonly ledger: MessageLedger;
  readonly leases: LeaseStore;
  /** Ack timeout and attempts of outgoing messages; default DEFAULT_SEND_POLICY. */
  readonly sendPolicy?: Partial<SendPolicy>;
  /** Retries of starts that failed for a passing reason; see StartBackoff for each default. */
  readonly startBackoff?: StartBackoffOptions;
  /** MAX_SESSIONS_PER_INSTANCE; a start beyond it answers `full` (the reconciler starts it when room frees). */
  readonly maxSessions?: number;
  /** This worker's current registration; undefined while it is fenced (not registered). */
  readonly holder: () => LeaseHolder | undefined;
  readonly logger: Logger;
  readonly metrics: WorkerMetrics;
  /** Where session and message events go (webhooks); none = not emitted. */
  readonly events?: EventSink;
  /** Where received media goes; none: events say what the media is, unavailable. */
  readonly media?: InboundMediaStore;
  /** Opens the sealed secrets of session records (proxy URLs); none: a session with a proxy fails to start. */
  readonly secrets?: SessionSecrets;
  /** Requests answered through jobs (contacts checks): their input, and where the answer goes. */
  readonly requests?: SessionRequests;
}

/**
 * What a start attempt did: `held` means another live worker still holds the lease, `retry` that it
 * failed for a reason that may pass and `backoff` that an earlier such failure's delay has not run out
 * (all three: try again later); `failed` that it failed for good.
 */
export type StartOutcome = 'started' | 'running' | 'unwanted' | 'held' | 'fenced' | 'failed' | 'full' | 'retry' | 'backoff';

/** How long a planned stop waits for the acks of messages already written before closing the socket. */
const STOP_ACK_WAIT_MS = 3_000;

/**
 * The sessions this worker runs: takes their leases and starts them (a `SessionRun` each, the state
 * machine of one run), passes the worker's commands to them (stop, logout, abandon) and keeps the
 * gauges. A run stays here until it has ended (its socket closed, its lease released).
 */
export class SessionManager {
  private readonly running = new Map<string, SessionRun>();
  private readonly starting = new Set<string>();
  private readonly backoff: StartBackoff;
  private readonly events: SessionEvents;
  private readonly sendPolicy: SendPolicy;
  /** Sessions that run nowhere, opened from their stored state just long enough to log out. */
  private readonly stored: StoredSessions;

  constructor(private readonly options: SessionManagerOptions) {
    this.events = new SessionEvents(options.events, options.logger);
    this.stored = new StoredSessions({ ...options, events: this.events });
    this.sendPolicy = { ...DEFAULT_SEND_POLICY, ...options.sendPolicy };
    this.backoff = new StartBackoff(options.startBackoff);
  }

  get size(): number {
    return this.running.size;
  }

  isRunning(sessionId: string): boolean {
    return this.running.has(sessionId);
  }

  runningIds(): string[] {
    return [...this.running.keys()];
  }

  /**
   * Starts a session unless it is already running here or no longer wanted, after taking its lease
   * (which bumps the fencing epoch). Idempotent; `held` means the previous owner has not let go yet.
   */
  async start(sessionId: string, incarnation?: string): Promise<StartOutcome> {
    if (this.running.has(sessionId) || this.starting.has(sessionId)) return 'running';
    if (this.backoff.blocked(sessionId)) return 'backoff';
    if (this.running.size + this.starting.size >= (this.options.maxSessions ?? Infinity)) return 'full';
    this.starting.add(sessionId);
    try {
      return await this.startOnce(sessionId, incarnation);
    } finally {
      this.starting.delete(sessionId);
    }
  }

  private async startOnce(sessionId: string, incarnation: string | undefined): Promise<StartOutcome> {
    const { sessions, connector, leases, metrics } = this.options;
    const record = await sessions.get(sessionId);
    if (!record || record.desired !== 'running' || !sameIncarnation(record, incarnation)) return 'unwanted';
    const holder = this.options.holder();
    if (!holder) return 'fenced';
    const lease = await takeFencedLease(leases, sessionId, holder, sessionDir(this.options.storagePath, record.workspaceId, sessionId));
    if (!lease.taken) {
      if (lease.reason === 'restoring') return 'held';
      if (lease.reason === 'held') {
        // Its holder lets go if it does not run the session (a lost release); a holder that does, keeps it.
        await leases.requestRelease(sessionId);
        return 'held';
      }
      return lease.reason === 'no_session' ? 'unwanted' : 'fenced';
    }
    if (record.owner && record.owner !== holder.instanceId) metrics.leaseTakeovers.inc();
    const run = this.newRun(record, lease.epoch);
    this.running.set(sessionId, run);
    // Counted once from here on: as running, no longer as starting (MAX_SESSIONS_PER_INSTANCE).
    this.starting.delete(sessionId);
    // The lease script already set the record to starting, without the previous run's QR or error.
    metrics.sessionEvents.inc({ event: 'start', reason: 'lease' });
    try {
      await run.attach(await connector.start(this.specFor(record, lease.epoch), run.handlers()));
      return this.running.get(sessionId) === run ? 'started' : 'unwanted';
    } catch (error) {
      if (this.running.get(sessionId) === run) this.running.delete(sessionId);
      await leases.release(sessionId, holder.instanceId, lease.epoch);
      return this.startFailed(record, lease.epoch, error);
    }
  }

  /** A run of `record` under the lease of `epoch`; it tells the manager when its status changes or it ends. */
  private newRun(record: SessionRecord, epoch: number): SessionRun {
    const { sessionId } = record;
    return new SessionRun({
      record,
      epoch,
      instanceId: this.options.instanceId,
      sessions: this.options.sessions,
      leases: this.options.leases,
      ledger: this.options.ledger,
      events: this.events,
      metrics: this.options.metrics,
      logger: this.options.logger,
      sendPolicy: this.sendPolicy,
      stopAckWaitMs: STOP_ACK_WAIT_MS,
      ...(this.options.media ? { media: this.options.media } : {}),
      onConnected: () => this.backoff.forget(sessionId),
      onChange: (run) => {
        if (run.state === 'ended' && this.running.get(sessionId) === run) this.running.delete(sessionId);
      },
    });
  }

  /**
   * A start that threw: a passing failure (storage I/O, a socket still closing) is retried with a
   * backoff and shows `disconnected`; one that retrying cannot fix, or that kept failing, is `failed`.
   */
  private async startFailed(record: SessionRecord, epoch: number, error: unknown): Promise<StartOutcome> {
    const { sessionId } = record;
    const handling = this.backoff.failed(sessionId, error);
    this.options.logger.warn('session failed to start', { sessionId, handling, error });
    if (handling === 'fenced') return 'fenced';
    // A refused proxy is said as such (the session never connects around it); anything else is start_failed.
    const info = { code: 0, reason: (error as { code?: unknown } | undefined)?.code === 'PROXY_REFUSED' ? 'proxy_refused' : 'start_failed' };
    if (handling === 'retry') {
      const written = await this.options.sessions.update(sessionId, { status: 'disconnected', lastError: errorText(error) }, Date.now(), epoch);
      if (written) this.events.disconnected(record, { ...info, willReconnect: true });
      return 'retry';
    }
    const failed = await this.options.sessions.update(sessionId, { status: 'failed', lastError: errorText(error) }, Date.now(), epoch);
    if (failed) this.events.failed(record, info);
    return 'failed';
  }

  /** When the earliest start waiting for its backoff may run (ms since the epoch), if any. */
  nextStartRetryAt(): number | undefined {
    return this.backoff.nextRetryAt();
  }

  /**
   * Closes the socket and keeps the auth state. `status` is written to the record unless null (a
   * session handed to another worker: its new owner writes the status).
   */
  async stop(sessionId: string, status: SessionStatus | null = 'stopped'): Promise<void> {
    await this.running.get(sessionId)?.dispatch({ type: 'stop', status });
  }

  /**
   * Another worker waits for this session's lease (its `start` kept answering `held`). If this worker
   * holds the lease under its current registration but has no socket for the session (a release that
   * was lost: Redis failed at that moment), it lets go now, so the session never stays stuck on a
   * worker that does not run it. A session running, starting or closing here keeps its lease.
   */
  async releaseIfIdle(sessionId: string): Promise<boolean> {
    if (this.running.has(sessionId) || this.starting.has(sessionId)) return false;
    const holder = this.options.holder();
    const lease = await this.options.leases.get(sessionId);
    if (!holder || !lease || lease.owner !== holder.instanceId || lease.incarnation !== holder.incarnation) return false;
    if (this.running.has(sessionId) || this.starting.has(sessionId)) return false;
    const released = await this.options.leases.release(sessionId, holder.instanceId, lease.epoch);
    if (released) this.options.logger.warn('released the lease of a session this worker does not run', { sessionId, epoch: lease.epoch });
    return released;
  }

  /**
   * The API's stop command: closes the socket if the session runs here and marks it `stopped` (auth
   * state kept). Skipped when the session was started again since; a session that is not running
   * (failed, or already closed by a reconcile) is only marked.
   */
  async stopRequested(sessionId: string, incarnation?: string): Promise<void> {
    let record = await this.options.sessions.get(sessionId);
    if (!record || record.desired !== 'stopped' || !sameIncarnation(record, incarnation)) return;
    if (this.running.has(sessionId)) {
      await this.stop(sessionId, 'stopped');
      // The reconcile that `desired: stopped` also wakes may have closed the run first, without a
      // status (its stop is for runs leaving this worker; ours was then ignored): read what was written.
      record = await this.options.sessions.get(sessionId);
      if (!record || record.desired !== 'stopped' || !sameIncarnation(record, incarnation)) return;
    }
    // Not running here (failed, or closed by a reconcile): only the record is marked.
    if (record.status !== 'stopped')
      await this.options.sessions.update(
        sessionId,
        { status: 'stopped', qr: null, qrExpiresAt: null, pairingCode: null, pairingCodeExpiresAt: null },
        Date.now(),
        record.epoch,
      );
  }

  /**
   * Forgets every session at once without touching Redis: used when this worker fences itself
   * (it can no longer prove it holds the leases), so sockets close even if Redis is unreachable.
   */
  async abandonAll(): Promise<void> {
    await Promise.all([...this.running.values()].map((run) => run.dispatch({ type: 'abandon' })));
  }

  /**
   * Logs the device out, removes its auth state and then the session record. A session that is not
   * running here (stopped, failed) but was paired is connected from its stored state just long enough
   * to log out, so deleting it also unlinks the device on the phone.
   */
  async logout(sessionId: string, incarnation?: string): Promise<void> {
    const record = await this.options.sessions.get(sessionId);
    // A job of an earlier session under this id (deleted, created again) never touches the new one.
    if (record && !sameIncarnation(record, incarnation)) return;
    const run = this.running.get(sessionId);
    if (run) await run.dispatch({ type: 'logout' });
    else if (record?.phone) await this.stored.logout(record, { purpose: 'deleted', clearAlways: false });
    if (!record) return;
    await rm(sessionDir(this.options.storagePath, record.workspaceId, sessionId), { recursive: true, force: true });
    // Its waiting messages will never go out: each fails with an event, before the record goes.
    await this.options.ledger.expire(sessionId, 'all', 'session_deleted');
    await this.options.sessions.remove(record);
    this.options.metrics.sessionEvents.inc({ event: 'deleted', reason: 'api' });
  }

  /**
   * The API's restart: closes the session's socket (if it runs here) and starts it again from the
   * same auth state, under a new lease; a session not running (stopped, failed, logged out) is
   * started. A run still opening or closing, or a lease held elsewhere, fails the job (retried).
   */
  async restartRequested(sessionId: string, incarnation?: string): Promise<void> {
    const record = await this.options.sessions.get(sessionId);
    if (!record || record.desired !== 'running' || !sameIncarnation(record, incarnation)) return;
    this.backoff.forget(sessionId);
    if (this.running.has(sessionId)) await this.stop(sessionId, null);
    if (this.running.has(sessionId) || this.starting.has(sessionId)) throw new SessionBusyError(sessionId, 'its run is still opening or closing');
    const outcome = await this.start(sessionId, incarnation);
    if (outcome === 'held' || outcome === 'full' || outcome === 'fenced') throw new SessionBusyError(sessionId, outcome);
    this.options.metrics.sessionEvents.inc({ event: 'restart', reason: 'api' });
  }

  /**
   * The API's logout (`desired: logged_out`): unlinks the device on WhatsApp and clears its auth
   * state, keeps the record as `logged_out` (a start or a pairing links it again) and fails the
   * messages still waiting in its outbox (`session_logged_out`). A connected run logs out on its
   * socket; any other is closed first, and the stored state is connected just long enough to log out.
   */
  async unlinkRequested(sessionId: string, incarnation?: string): Promise<void> {
    const record = await this.options.sessions.get(sessionId);
    if (!record || record.desired !== 'logged_out' || !sameIncarnation(record, incarnation)) return;
    if (record.status !== 'logged_out') {
      const run = this.running.get(sessionId);
      if (run) await run.dispatch(run.state === 'connected' ? { type: 'unlink' } : { type: 'stop', status: null });
      if (this.running.has(sessionId) || this.starting.has(sessionId)) throw new SessionBusyError(sessionId, 'its run is still opening or closing');
      const now = await this.options.sessions.get(sessionId);
      if (now && now.desired === 'logged_out' && now.status !== 'logged_out') await this.stored.unlink(now);
    }
    const failed = await this.options.ledger.expire(sessionId, 'all', 'session_logged_out');
    if (failed > 0) this.options.logger.info('waiting messages of a logged-out session failed', { sessionId, failed });
  }

  /**
   * The API's pair: the session links by pairing code with its record's `pairing_phone`. A run here
   * asks its socket for a code; a session not running is started (its start asks for one).
   */
  async pairRequested(sessionId: string, incarnation?: string): Promise<void> {
    const record = await this.options.sessions.get(sessionId);
    if (!record || record.desired !== 'running' || !record.pairingPhone || !sameIncarnation(record, incarnation)) return;
    const run = this.running.get(sessionId);
    if (run) return run.dispatch({ type: 'pair', phone: record.pairingPhone });
    this.backoff.forget(sessionId);
    const outcome = await this.start(sessionId, incarnation);
    if (outcome === 'held' || outcome === 'full' || outcome === 'fenced') throw new SessionBusyError(sessionId, outcome);
  }

  /**
   * A contacts check: which of the request's phones are on WhatsApp, asked over the session's socket.
   * The answer (or why there is none: `not_connected`) is written for the ingress that waits for it;
   * a request whose asker gave up (past its deadline) is dropped.
   */
  async checkContacts(job: ContactsCheckJob): Promise<void> {
    if (!this.options.requests) return;
    await answerContactsCheck(this.options.requests, job, this.running.get(job.sessionId), this.options.logger);
  }

  /** What the connector needs to run `record` under the lease of `epoch`. */
  private specFor(record: SessionRecord, epoch: number): SessionSpec {
    return sessionSpec(record, epoch, this.options.storagePath, this.options.secrets);
  }

  /**
   * A `message.send` job: the session's outbox has a new message. A session connected here sends it
   * (its sender drains the outbox in order); otherwise nothing is to be done now: the outbox is sent
   * when the session connects, wherever it runs. Jobs of an earlier session under the same id are ignored.
   */
  wake(job: MessageSendJob): void {
    const run = this.running.get(job.sessionId);
    if (run && sameIncarnation(run.record, job.incarnation)) run.wake();
  }

  /** Sessions with messages waiting too long without a wake-up (one was lost): their senders look again. */
  wakeWaiting(sessionIds: Iterable<string>): void {
    for (const id of sessionIds) this.running.get(id)?.wake();
  }

  /** Messages whose server ack did not come in time go back to their place, or fail. */
  async sweepAcks(now = Date.now()): Promise<void> {
    await Promise.all([...this.running.values()].map((run) => run.sweepAcks(now)));
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.runningIds().map((id) => this.stop(id, 'disconnected')));
  }

  /** Sessions running here by status (the `fleet_sessions` gauge, counted when scraped). */
  statusCounts(): Map<SessionStatus, number> {
    const counts = new Map<SessionStatus, number>();
    for (const run of this.running.values()) counts.set(run.status, (counts.get(run.status) ?? 0) + 1);
    return counts;
  }
}

/** Whether a job (or a caller) naming `incarnation` is about this creation of the session; none = any. */
function sameIncarnation(record: Pick<SessionRecord, 'incarnation'>, incarnation: string | undefined): boolean {
  return incarnation === undefined || incarnation === '' || record.incarnation === '' || record.incarnation === incarnation;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message.slice(0, 200) : String(error).slice(0, 200);
}
