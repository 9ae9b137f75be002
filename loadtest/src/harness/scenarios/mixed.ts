import { openLoop, pairMany, limiter, type Scenario } from './scenario';

/**
 * Checklist: "Mixed operations (create, send, status check)" — 80 % of SESSIONS paired first, then for
 * DURATION: the other 20 % are created and paired at an even pace, SEND_RATE sends/s and
 * 2 × SEND_RATE status reads/s over the connected sessions, all open loop.
 */
export const mixedScenario: Scenario = {
  name: 'mixed',
  describe: '80 % of SESSIONS paired, then for DURATION: the other 20 % created, SEND_RATE sends/s, 2 × SEND_RATE status reads/s',
  async run(context) {
    const { sessions, durationS, sendRate, scanConcurrency } = context.options;
    const base = Math.max(1, Math.floor(sessions * 0.8));
    await pairMany(context, 0, base);
    if (context.client.paired.length === 0) throw new Error('no session could be paired');
    context.log(`${context.client.paired.length} sessions paired; mixed load for ${durationS} s`);
    const toCreate = sessions - base;
    const ticksPerSecond = 10;
    const totalTicks = durationS * ticksPerSecond;
    const gate = limiter(scanConcurrency);
    let created = 0;
    let sends = 0;
    let reads = 0;
    await openLoop(durationS, ticksPerSecond, (tick) => {
      const tasks: Array<Promise<unknown>> = [];
      const paired = context.client.paired;
      while (created < Math.floor((toCreate * (tick + 1)) / totalTicks)) tasks.push(context.client.pair(context.client.session(base + created++), gate));
      while (sends < Math.floor((sendRate * (tick + 1)) / ticksPerSecond)) tasks.push(context.client.send(paired[sends++ % paired.length]!));
      while (reads < Math.floor((2 * sendRate * (tick + 1)) / ticksPerSecond)) tasks.push(context.client.status(paired[reads++ % paired.length]!.id));
      return tasks;
    });
  },
};
