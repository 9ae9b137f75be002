import { openLoop, pairMany, type Scenario } from './scenario';

/**
 * Checklist: `k6 run --vus 1000 --duration 30m load-test.js` — SESSIONS sessions paired, then for
 * DURATION every session in turn reads its status and sends, SEND_RATE of each per second, open loop.
 */
export const soakScenario: Scenario = {
  name: 'soak',
  describe: 'SESSIONS sessions paired, then for DURATION a status read and a send per iteration, SEND_RATE iterations/s',
  async run(context) {
    const { sessions, durationS, sendRate } = context.options;
    await pairMany(context, 0, sessions);
    if (context.client.paired.length === 0) throw new Error('no session could be paired');
    context.log(`${context.client.paired.length} sessions paired; soak for ${durationS} s at ${sendRate} iterations/s`);
    let iterations = 0;
    await context.recorder.phase('load', () =>
      openLoop(durationS, 10, (tick) => {
        const tasks: Array<Promise<unknown>> = [];
        const paired = context.client.paired;
        while (iterations < Math.floor((sendRate * (tick + 1)) / 10)) {
          const session = paired[iterations++ % paired.length]!;
          tasks.push(context.client.status(session.id).then(() => context.client.send(session)));
        }
        return tasks;
      }),
    );
  },
};
