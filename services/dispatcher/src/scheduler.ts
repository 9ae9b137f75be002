import { randomBytes } from 'node:crypto';
import type { DeliveryLedger } from '@fleet/events';
import type { Logger } from '@fleet/logger';
import type { DispatcherMetrics } from './metrics';

export interface SchedulerOptions {
  readonly instanceId: string;
  readonly concurrency: number;
  readonly pollMs: number;
  readonly ledger: DeliveryLedger;
  readonly logger: Logger;
  readonly metrics: DispatcherMetrics;
  /** Runs one turn on a workspace whose lock this process holds (token). */
  readonly turn: (workspaceId: number, token: string) => Promise<void>;
}

/**
 * Picks due workspaces from the pending set, locks each (one dispatcher per workspace cluster-wide)
 * and runs up to `concurrency` turns at once. Woken by the events channel; polls as a fallback
 * (retries coming due, a missed notification).
 */
export class Scheduler {
  private readonly active = new Map<number, string>();
  private ticking = false;
  private again = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly turns = new Set<Promise<void>>();

  constructor(private readonly options: SchedulerOptions) {}

  get activeCount(): number {
    return this.active.size;
  }

  start(): void {
    const poll = (): void => {
      this.wake();
      this.timer = setTimeout(poll, this.options.pollMs);
    };
    poll();
  }

  /**
   * Asks for a scan soon; calls while a scan runs coalesce into one more scan. A wake-up for a
   * workspace this process is delivering needs no scan: its turn sees the new events before parking.
   */
  wake(workspaceId?: number): void {
    if (this.stopped) return;
    if (workspaceId !== undefined && this.active.has(workspaceId)) return;
    if (this.ticking) {
      this.again = true;
      return;
    }
    this.ticking = true;
    this.loop()
      .catch((error: unknown) => {
        this.options.metrics.loopErrors.inc({ where: 'scan' });
        this.options.logger.warn('dispatcher scan failed', { error });
      })
      .finally(() => {
        this.ticking = false;
      });
  }

  /** Stops scanning and waits for running turns to finish (each ends by deferring, parking or failing). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await Promise.allSettled([...this.turns]);
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      await this.scan();
    } while (this.again && !this.stopped);
  }

  private async scan(): Promise<void> {
    const { concurrency, ledger } = this.options;
    if (this.active.size >= concurrency) return;
    const due = await ledger.dueWorkspaces(Date.now(), concurrency * 4);
    for (const workspaceId of due) {
      if (this.stopped || this.active.size >= concurrency) return;
      if (this.active.has(workspaceId)) continue;
      const token = `${this.options.instanceId}:${randomBytes(8).toString('hex')}`;
      if (!(await ledger.lock(workspaceId, token))) continue;
      this.launch(workspaceId, token);
    }
  }

  private launch(workspaceId: number, token: string): void {
    const { metrics, logger } = this.options;
    this.active.set(workspaceId, token);
    metrics.activeWorkspaces.set(this.active.size);
    const turn = this.options
      .turn(workspaceId, token)
      .catch(async (error: unknown) => {
        metrics.loopErrors.inc({ where: 'turn' });
        logger.warn('workspace turn failed; retrying shortly', { workspaceId, error });
        await this.options.ledger.defer(workspaceId, token, Date.now() + 1_000).catch(() => undefined);
      })
      .finally(() => {
        this.active.delete(workspaceId);
        this.turns.delete(turn);
        metrics.activeWorkspaces.set(this.active.size);
        this.wake();
      });
    this.turns.add(turn);
  }
}
