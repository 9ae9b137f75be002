// The checklist's `k6 run --vus 1000 --duration 30m load-test.js`: VUS virtual users for DURATION
// (default 1000 and 30m), each looping over a status read and a send on the sessions setup() paired,
// with one creation (create → QR → scan → connected) in every 50 iterations. CLI flags override:
//   k6 run --vus 1000 --duration 30m -e FLEET_URL=… -e FLEET_API_KEY=… -e SIM_URL=… loadtest/k6/soak.ts
import { sleep } from 'k6';
import exec from 'k6/execution';
import type { Options } from 'k6/options';
import { config } from './lib/config.ts';
import { pairSession, preparedSessions, sendMessage, sessionStatus, waitSent } from './lib/fleet.ts';
import { summaryTrendStats, thresholds } from './lib/metrics.ts';

interface Setup {
  readonly sessions: string[];
}

export const options: Options = {
  setupTimeout: '15m',
  vus: config.vus,
  duration: config.duration,
  thresholds: thresholds(),
  summaryTrendStats,
};

export function setup(): Setup {
  return { sessions: preparedSessions() };
}

export default function (data: Setup): void {
  const n = exec.scenario.iterationInTest;
  const session = data.sessions[n % data.sessions.length]!;
  sessionStatus(session);
  const sentAt = Date.now();
  const id = sendMessage(session, `+1555${String(n % 1000).padStart(7, '0')}`, `k6 soak ${config.runId} ${n}`);
  if (id !== undefined) waitSent(id, sentAt);
  if (n % 50 === 0 && config.simUrl !== '') pairSession(100_000 + n);
  sleep(1);
}
