/**
 * Waits on many conditions with few requests, so that the harness's own waiting does not load the fleet
 * it measures: each wait is probed on its own backoff (first after `firstDelayMs`, then 1.5 × longer up
 * to `maxDelayMs`), the earliest due first, with at most `maxInFlight` probes at once and at most
 * `maxPerSecond` started per second over all waits. Latencies are never taken from when a probe saw
 * something (the callers read the exact times from the records they probe), so slow probing costs
 * wall time, not accuracy.
 */
export interface PollerOptions {
  /** Probes in flight at once, over all waits. Default 8. */
  readonly maxInFlight?: number;
  /** Probes started per second, over all waits. Default 100; Infinity = no cap. */
  readonly maxPerSecond?: number;
}

export interface WaitOptions {
  /** Give up (resolve undefined) after this long. */
  readonly timeoutMs: number;
  /** First probe this long after the wait starts. Default 250 ms. */
  readonly firstDelayMs?: number;
  /** Pause after the first probe that found nothing, 1.5 × longer after each further one. Default firstDelayMs (at least 50 ms). */
  readonly retryDelayMs?: number;
  /** Longest pause between two probes of this wait. Default 2,000 ms. */
  readonly maxDelayMs?: number;
}

interface Wait {
  due: number;
  /** Pause before the next probe should this one find nothing. */
  delay: number;
  readonly maxDelay: number;
  readonly deadline: number;
  readonly probe: () => Promise<boolean>;
  readonly expire: () => void;
}

const TICK_MS = 20;
const BACKOFF = 1.5;

export class Poller {
  private readonly heap: Wait[] = [];
  private cancelled = false;
  private readonly maxInFlight: number;
  private readonly maxPerSecond: number;
  private inFlight = 0;
  private tokens = 1;
  private lastRefill = Date.now();
  private timer: NodeJS.Timeout | undefined;
  /** Probes started so far (for the report). */
  probes = 0;
  /**
   * Time (ms, in 20 ms ticks) during which due probes waited for the per-second cap: when it is a large
   * part of a phase, that phase's pace (e.g. pairings/s) was set by the harness's budget, not the fleet.
   */
  throttledMs = 0;
  private lastThrottledTick = 0;

  constructor(options: PollerOptions = {}) {
    this.maxInFlight = options.maxInFlight ?? 8;
    this.maxPerSecond = options.maxPerSecond ?? 100;
  }

  /** Ends every wait now (each resolves undefined) and every wait started later at once. */
  cancel(): void {
    this.cancelled = true;
    while (this.heap.length > 0) this.pop().expire();
  }

  /** Waits currently pending (probing or not). */
  get pending(): number {
    return this.heap.length + this.inFlight;
  }

  /**
   * Resolves with the first value `probe` returns that is not undefined, or undefined after `timeoutMs`.
   * A probe that throws counts as "not yet".
   */
  wait<T>(probe: () => Promise<T | undefined>, options: WaitOptions): Promise<T | undefined> {
    return new Promise((resolve) => {
      const now = Date.now();
      const first = options.firstDelayMs ?? 250;
      this.push({
        due: now + first,
        delay: Math.max(50, options.retryDelayMs ?? first),
        maxDelay: options.maxDelayMs ?? 2_000,
        deadline: now + options.timeoutMs,
        probe: async () => {
          const value = await probe().catch(() => undefined);
          if (value === undefined) return false;
          resolve(value);
          return true;
        },
        expire: () => resolve(undefined),
      });
    });
  }

  private push(wait: Wait): void {
    if (this.cancelled) {
      wait.expire();
      return;
    }
    wait.due = Math.min(wait.due, wait.deadline);
    this.heap.push(wait);
    let i = this.heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.heap[parent]!.due <= this.heap[i]!.due) break;
      [this.heap[parent], this.heap[i]] = [this.heap[i]!, this.heap[parent]!];
      i = parent;
    }
    this.timer ??= setInterval(() => this.pump(), TICK_MS);
  }

  private pop(): Wait {
    const top = this.heap[0]!;
    const last = this.heap.pop()!;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let least = i;
        if (left < this.heap.length && this.heap[left]!.due < this.heap[least]!.due) least = left;
        if (right < this.heap.length && this.heap[right]!.due < this.heap[least]!.due) least = right;
        if (least === i) break;
        [this.heap[least], this.heap[i]] = [this.heap[i]!, this.heap[least]!];
        i = least;
      }
    }
    return top;
  }

  /** Starts every due probe the caps allow; runs on a timer and whenever a probe finishes. */
  private pump(): void {
    const now = Date.now();
    if (Number.isFinite(this.maxPerSecond)) {
      // a bucket of 100 ms worth of probes, refilled continuously
      const burst = Math.max(1, this.maxPerSecond / 10);
      this.tokens = Math.min(burst, this.tokens + ((now - this.lastRefill) * this.maxPerSecond) / 1000);
      this.lastRefill = now;
    } else {
      this.tokens = Infinity;
    }
    while (this.heap.length > 0 && this.heap[0]!.due <= now) {
      if (this.heap[0]!.deadline <= now) {
        this.pop().expire();
        continue;
      }
      if (this.tokens < 1 && this.inFlight < this.maxInFlight) this.noteThrottled(now);
      if (this.inFlight >= this.maxInFlight || this.tokens < 1) break;
      this.start(this.pop(), now);
    }
    if (this.heap.length === 0 && this.inFlight === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private noteThrottled(now: number): void {
    const tick = Math.floor(now / TICK_MS);
    if (tick === this.lastThrottledTick) return;
    this.lastThrottledTick = tick;
    this.throttledMs += TICK_MS;
  }

  private start(wait: Wait, now: number): void {
    this.inFlight += 1;
    this.tokens -= 1;
    this.probes += 1;
    void wait.probe().then((done) => {
      this.inFlight -= 1;
      if (!done) {
        wait.due = Math.max(Date.now(), now + wait.delay);
        wait.delay = Math.min(wait.maxDelay, wait.delay * BACKOFF);
        if (Date.now() >= wait.deadline) wait.expire();
        else this.push(wait);
      }
      this.pump();
    });
  }
}
