import { pairMany, type Scenario } from './scenario';

/** Checklist: "1000 concurrent message sends" — SESSIONS sessions paired, then one send each at once. */
export const sendScenario: Scenario = {
  name: 'send',
  describe: 'SESSIONS sessions paired (PAIR_WAVE at a time), then SESSIONS concurrent sends (one per session), each to the server ack',
  async run(context) {
    await pairMany(context, 0, context.options.sessions);
    context.log(`${context.client.paired.length} sessions paired; sending ${context.client.paired.length} messages at once`);
    await context.recorder.phase('load', () => Promise.all(context.client.paired.map((session) => context.client.send(session))));
  },
};
