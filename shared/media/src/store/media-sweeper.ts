import type { MediaStore, SweepResult } from './media-store';

export interface MediaSweeperOptions {
  readonly store: MediaStore;
  /** Time between sweeps. Default 60 000 ms. */
  readonly intervalMs?: number;
  /** Sweep calls (batches) per round at most, so one round stays short. Default 10. */
  readonly maxBatches?: number;
  /** Called after each call that deleted or failed something (count it, log failures). */
  readonly onResult: (result: SweepResult) => void;
  /** Called when a round itself fails (Redis down); the next round comes as usual. */
  readonly onError: (error: unknown) => void;
}

export const MEDIA_SWEEPER_DEFAULTS = { intervalMs: 60_000, maxBatches: 10 } as const;

/**
 * Deletes expired media objects in the background: every interval, `store.sweep()` until a batch
 * finds nothing more or `maxBatches` ran. Several processes may sweep at once (each claims its own
 * entries). S3 lifecycle rules on the bucket are a good second line (docs/operations).
 */
export class MediaSweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private closed = false;
  private readonly intervalMs: number;
  private readonly maxBatches: number;

  constructor(private readonly options: MediaSweeperOptions) {
    this.intervalMs = options.intervalMs ?? MEDIA_SWEEPER_DEFAULTS.intervalMs;
    this.maxBatches = options.maxBatches ?? MEDIA_SWEEPER_DEFAULTS.maxBatches;
  }

  start(): void {
    if (this.closed || this.timer) return;
    this.schedule();
  }

  /** Stops the loop and waits for a round in progress; safe to call twice. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One round now (tests, and the loop). */
  async runOnce(now = Date.now()): Promise<void> {
    for (let batch = 0; batch < this.maxBatches && !this.closed; batch += 1) {
      const result = await this.options.store.sweep(now);
      if (result.deleted + result.failed > 0) this.options.onResult(result);
      if (result.deleted + result.failed === 0 || result.failed > 0) return;
    }
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.running = this.runOnce()
        .catch((error: unknown) => this.options.onError(error))
        .finally(() => {
          this.running = undefined;
          if (!this.closed) this.schedule();
        });
    }, this.intervalMs);
    this.timer.unref();
  }
}
