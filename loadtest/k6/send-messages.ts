// Checklist scenario "1000 concurrent message sends": setup() pairs SEND_SESSIONS sessions (or takes
// PAIRED_SESSIONS), then VUS virtual users each send one message at the same moment, round-robin over
// those sessions, and wait for the server ack (send_latency = API request → sent_at).
//   k6 run -e FLEET_URL=… -e FLEET_API_KEY=… -e SIM_URL=… -e VUS=1000 loadtest/k6/send-messages.ts
import type { Options } from 'k6/options';
import { config } from './lib/config.ts';
import { preparedSessions, sendMessage, waitSent } from './lib/fleet.ts';
import { summaryTrendStats, thresholds } from './lib/metrics.ts';

interface Setup {
  readonly sessions: string[];
}

export const options: Options = {
  setupTimeout: '15m',
  scenarios: {
    send: { executor: 'per-vu-iterations', vus: config.vus, iterations: 1, maxDuration: '5m' },
  },
  thresholds: thresholds(),
  summaryTrendStats,
};

export function setup(): Setup {
  return { sessions: preparedSessions() };
}

export default function (data: Setup): void {
  const session = data.sessions[__VU % data.sessions.length]!;
  const sentAt = Date.now();
  const id = sendMessage(session, `+1555${String(__VU % 1000).padStart(7, '0')}`, `k6 send ${config.runId} ${__VU}`, `k6-${config.runId}-${__VU}`);
  if (id !== undefined) waitSent(id, sentAt);
}
