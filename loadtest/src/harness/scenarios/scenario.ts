import type { LoadClient } from '../load-client';
import type { LocalFleet } from '../local-fleet';
import type { Recorder } from '../recorder';

export interface ScenarioOptions {
  /** Sessions created (create), paired before sending (send, soak), or in all (mixed). */
  readonly sessions: number;
  /** Length of the timed phase of mixed and soak, in seconds. */
  readonly durationS: number;
  /** Sends per second in mixed and soak (default sessions / 10, at least 2). */
  readonly sendRate: number;
  /** Scans in flight at once (the virtual phone's pairing work is the slow part). */
  readonly scanConcurrency: number;
  /**
   * Sessions created at once while pairing before the timed phase of send, mixed and soak (0 = all at
   * once): the next wave starts when the previous one is paired, so that no QR waits for its scan long
   * enough to expire. `create` always creates all of them at once (that is what it measures).
   */
  readonly pairWave: number;
}

export interface ScenarioContext {
  readonly fleet: LocalFleet;
  readonly client: LoadClient;
  readonly recorder: Recorder;
  readonly options: ScenarioOptions;
  /** A progress line on stderr. */
  log(line: string): void;
}

export interface Scenario {
  readonly name: string;
  readonly describe: string;
  run(context: ScenarioContext): Promise<void>;
}

/** At most `limit` tasks at once; the rest wait in order. */
export function limiter(limit: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async (task) => {
    if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    active += 1;
    try {
      return await task();
    } finally {
      active -= 1;
      waiting.shift()?.();
    }
  };
}

/**
 * Creates and pairs `count` sessions numbered from `from` as the phase `pairing`: `wave` creations at
 * once (0 = all), the next wave when the previous one is done; scans limited to scanConcurrency.
 */
export async function pairMany(context: ScenarioContext, from: number, count: number, wave = context.options.pairWave): Promise<void> {
  const gate = limiter(context.options.scanConcurrency);
  const size = wave > 0 ? wave : count;
  await context.recorder.phase('pairing', async () => {
    for (let start = 0; start < count; start += size) {
      const sessions = Array.from({ length: Math.min(size, count - start) }, (_, k) => context.client.session(from + start + k));
      await Promise.all(sessions.map((session) => context.client.pair(session, gate)));
      if (start + size < count) context.log(`${context.client.paired.length} sessions paired so far`);
    }
  });
}

/**
 * Open loop for `durationS`: every tick starts `perTick()` whatever earlier ticks are still doing, so
 * a slow fleet is measured as slow instead of being offered less load. Waits for every started task.
 */
export async function openLoop(durationS: number, ticksPerSecond: number, perTick: (tick: number) => Array<Promise<unknown>>): Promise<void> {
  const started = Date.now();
  const inFlight: Array<Promise<unknown>> = [];
  const total = Math.round(durationS * ticksPerSecond);
  for (let tick = 0; tick < total; tick += 1) {
    const due = started + (tick * 1000) / ticksPerSecond;
    if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
    inFlight.push(...perTick(tick).map((task) => task.catch(() => undefined)));
  }
  await Promise.all(inFlight);
}
