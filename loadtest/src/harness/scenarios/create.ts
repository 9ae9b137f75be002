import { pairMany, type Scenario } from './scenario';

/** Checklist: "1000 concurrent session creations" — SESSIONS creations at once, each to connected. */
export const createScenario: Scenario = {
  name: 'create',
  describe: 'SESSIONS concurrent creations: create → QR → scan by the virtual phone → connected',
  async run(context) {
    await pairMany(context, 0, context.options.sessions, 0);
  },
};
