import type { Membership, WorkerInfo } from '@fleet/cluster';
import type { Logger } from '@fleet/logger';

export interface HeartbeatOptions {
  readonly membership: Membership;
  readonly logger: Logger;
  readonly ttlMs: number;
  /** Called when the worker can no longer prove it holds its registration: close every session now. */
  readonly onFence: () => Promise<void>;
  /** Called after a fence, once the worker registered again as a new incarnation. */
  readonly onRejoin: (registration: WorkerInfo) => Promise<void>;
}

/**
 * Renews the worker's registration every ttl/3 and fences the worker by itself when it cannot:
 * the registration expires ttl after the last renewal was *sent*, so the worker closes its sockets
 * a safety margin (ttl/4) before that instant, before any other worker may take its leases.
 *
 * A tick that itself runs past that deadline (the process or the machine stalled, so the timer fired
 * late) renews first and fences only if the registration is gone: a registration still held under this
 * incarnation never expired, and while it exists no other worker can take this worker's leases, so
 * dropping every socket would be a needless mass reconnect. A renewal still unanswered at the deadline
 * (Redis slow or unreachable) fences as before.
 */
export class Heartbeat {
  private registration: WorkerInfo | undefined;
  private lastRenewalSentAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private fenced = false;
  private busy = false;

  constructor(private readonly options: HeartbeatOptions) {}

  get current(): WorkerInfo | undefined {
    return this.fenced ? undefined : this.registration;
  }

  get healthy(): boolean {
    return !this.fenced && this.registration !== undefined;
  }

  start(registration: WorkerInfo): void {
    this.registration = registration;
    this.lastRenewalSentAt = Date.now();
    const interval = Math.max(100, Math.floor(this.options.ttlMs / 3));
    this.timer = setInterval(() => {
      this.tick().catch((error: unknown) => this.options.logger.warn('heartbeat failed', { error }));
    }, interval);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async tick(): Promise<void> {
    if (this.busy || !this.registration) {
      this.checkDeadline();
      return;
    }
    this.busy = true;
    try {
      if (this.fenced) return await this.rejoin();
      const lateByMs = Date.now() - this.deadline();
      const sentAt = Date.now();
      const renewed = await this.options.membership.heartbeat(this.registration);
      if (!renewed) return await this.fence('registration expired or replaced');
      if (lateByMs > 0) this.options.logger.warn('heartbeat ran late, but the registration was still held: not fencing', { lateByMs });
      this.lastRenewalSentAt = sentAt;
    } catch (error) {
      this.options.logger.warn('heartbeat could not reach Redis', { error: error instanceof Error ? error.message : String(error) });
      this.checkDeadline();
    } finally {
      this.busy = false;
    }
  }

  /** When this worker must have closed its sockets unless a renewal sent since says otherwise. */
  private deadline(): number {
    return this.lastRenewalSentAt + this.options.ttlMs - Math.floor(this.options.ttlMs / 4);
  }

  private checkDeadline(): void {
    if (!this.fenced && Date.now() > this.deadline()) {
      void this.fence('no renewal within the lease deadline');
    }
  }

  private async fence(reason: string): Promise<void> {
    if (this.fenced) return;
    this.fenced = true;
    this.options.logger.error('fencing: closing every session', { reason });
    await this.options.onFence().catch((error: unknown) => this.options.logger.error('fencing failed', { error }));
  }

  private async rejoin(): Promise<void> {
    const previous = this.registration!;
    const registration = await this.options.membership.register({
      instanceId: previous.instanceId,
      url: previous.url,
      maxSessions: previous.maxSessions,
    });
    this.registration = registration;
    this.lastRenewalSentAt = Date.now();
    this.fenced = false;
    this.options.logger.info('rejoined the cluster as a new incarnation');
    await this.options.onRejoin(registration);
  }
}
