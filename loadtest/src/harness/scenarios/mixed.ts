import { openLoop, pairMany, limiter, type Scenario, type ScenarioContext } from './scenario';

export interface SteadyLoad {
  /** Number of the first session to create (sessions are numbered by the client). */
  readonly firstIndex: number;
  /** Sessions created and paired at an even pace over the phase. */
  readonly creations: number;
  readonly durationS: number;
  /** Sends per second over the paired sessions, round-robin. */
  readonly sendRate: number;
  /** GET status per second over the paired sessions, round-robin. */
  readonly readRate: number;
}

/**
 * The timed phase of mixed, as the phase `load`: creations at an even pace, sends and status reads over
 * the connected sessions, all open loop (a slow fleet is measured as slow, not offered less).
 */
export async function steadyLoad(context: ScenarioContext, load: SteadyLoad): Promise<void> {
  const ticksPerSecond = 10;
  const totalTicks = load.durationS * ticksPerSecond;
  const gate = limiter(context.options.scanConcurrency);
  let created = 0;
  let sends = 0;
  let reads = 0;
  await context.recorder.phase('load', () =>
    openLoop(load.durationS, ticksPerSecond, (tick) => {
      const tasks: Array<Promise<unknown>> = [];
      const paired = context.client.paired;
      while (created < Math.floor((load.creations * (tick + 1)) / totalTicks))
        tasks.push(context.client.pair(context.client.session(load.firstIndex + created++), gate));
      while (sends < Math.floor((load.sendRate * (tick + 1)) / ticksPerSecond)) tasks.push(context.client.send(paired[sends++ % paired.length]!));
      while (reads < Math.floor((load.readRate * (tick + 1)) / ticksPerSecond)) tasks.push(context.client.status(paired[reads++ % paired.length]!.id));
      return tasks;
    }),
  );
}

/**
 * Checklist: "Mixed operations (create, send, status check)" — 80 % of SESSIONS paired first, then for
 * DURATION: the other 20 % are created and paired at an even pace, SEND_RATE sends/s and
 * 2 × SEND_RATE status reads/s over the connected sessions, all open loop.
 */
export const mixedScenario: Scenario = {
  name: 'mixed',
  describe: '80 % of SESSIONS paired (PAIR_WAVE at a time), then for DURATION: the other 20 % created, SEND_RATE sends/s, 2 × SEND_RATE status reads/s',
  async run(context) {
    const { sessions, durationS, sendRate } = context.options;
    const base = Math.max(1, Math.floor(sessions * 0.8));
    await pairMany(context, 0, base);
    if (context.client.paired.length === 0) throw new Error('no session could be paired');
    context.log(`${context.client.paired.length} sessions paired; mixed load for ${durationS} s`);
    await steadyLoad(context, { firstIndex: base, creations: sessions - base, durationS, sendRate, readRate: 2 * sendRate });
  },
};
