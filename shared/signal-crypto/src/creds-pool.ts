import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { initAuthCreds, type AuthenticationCreds } from 'baileys';

/** Credentials made per event-loop turn while refilling (a few ms each turn). */
const BATCH = 4;
/** At most this much filling per check, so a refill never holds the loop for long. */
const SLICE_MS = 100;
/** The process counts as idle while other work kept its event loop busy less than this share. */
const IDLE_SHARE = 0.1;

export interface CredsPoolOptions {
  /** Credentials kept ready; 0 = none (each made when taken). */
  readonly size: number;
  /** How often idleness is checked (and a slice made when idle). */
  readonly checkMs: number;
  /** Whether the process is idle enough to fill; default: event-loop utilization by other work. */
  readonly isIdle?: () => boolean;
}

/**
 * Fresh Baileys credentials (`initAuthCreds`: four key pairs and an XEdDSA signature, about 1 ms of
 * CPU), made ahead of need: a new session's device keys in the worker (a burst of session creations
 * then waits for no key generation before its QR), a simulated user's Signal identity in the
 * simulator. The pool keeps up to `size` ready and refills only while the process is otherwise idle
 * (its event loop less than `IDLE_SHARE` busy with other work over the last check), a slice at a
 * time, so filling never competes with load; `take()` makes a set on the spot when the pool is
 * empty. Each set is handed out once.
 */
export class CredsPool {
  private readonly ready: AuthenticationCreds[] = [];
  private timer: NodeJS.Timeout | undefined;
  private filling = false;
  private closed = false;
  /** Event-loop time spent filling since the last check (not counted as other work). */
  private fillMs = 0;
  private lastCheck: EventLoopUtilization = performance.eventLoopUtilization();

  constructor(private readonly options: CredsPoolOptions) {}

  /** Credentials ready to hand out. */
  get available(): number {
    return this.ready.length;
  }

  /** Starts the idle checks. */
  start(): void {
    if (this.options.size > 0 && !this.closed && !this.timer) this.schedule();
  }

  /** Never-used credentials: from the pool, or made now. */
  take(): AuthenticationCreds {
    return this.ready.pop() ?? initAuthCreds();
  }

  /** Stops refilling. Safe to call twice. */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private schedule(): void {
    this.timer = setTimeout(() => this.check(), this.options.checkMs);
    this.timer.unref();
  }

  private check(): void {
    if (this.closed) return;
    if (!this.filling && this.ready.length < this.options.size && this.idle()) this.fillSlice();
    this.schedule();
  }

  private idle(): boolean {
    const now = performance.eventLoopUtilization();
    const delta = performance.eventLoopUtilization(now, this.lastCheck);
    this.lastCheck = now;
    const others = Math.max(0, delta.active - this.fillMs) / Math.max(1, delta.active + delta.idle);
    this.fillMs = 0;
    return this.options.isIdle ? this.options.isIdle() : others < IDLE_SHARE;
  }

  private fillSlice(): void {
    this.filling = true;
    const sliceEnd = performance.now() + SLICE_MS;
    const step = (): void => {
      const started = performance.now();
      for (let i = 0; i < BATCH && this.ready.length < this.options.size; i += 1) this.ready.push(initAuthCreds());
      this.fillMs += performance.now() - started;
      if (!this.closed && this.ready.length < this.options.size && performance.now() < sliceEnd) setImmediate(step);
      else this.filling = false;
    };
    setImmediate(step);
  }
}
