// Checklist scenario "Mixed operations (create, send, status check)": three scenarios at once for
// DURATION — creators (new session → QR → scan), senders (send → ack) and status readers, split
// 10 % / 40 % / 50 % of VUS.
//   k6 run -e FLEET_URL=… -e FLEET_API_KEY=… -e SIM_URL=… -e VUS=1000 -e DURATION=10m loadtest/k6/mixed.ts
import { sleep } from 'k6';
import exec from 'k6/execution';
import type { Options } from 'k6/options';
import { config } from './lib/config.ts';
import {
  createSession,
  phoneOf,
  preparedSessions,
  scanAndConnect,
  sendMessage,
  sessionIdOf,
  sessionStatus,
  waitQr,
  waitSent,
  workspaceOf,
} from './lib/fleet.ts';
import { summaryTrendStats, thresholds } from './lib/metrics.ts';

interface Setup {
  readonly sessions: string[];
}

const share = (fraction: number): number => Math.max(1, Math.round(config.vus * fraction));

export const options: Options = {
  setupTimeout: '15m',
  scenarios: {
    creators: { executor: 'constant-vus', vus: share(0.1), duration: config.duration, exec: 'creator' },
    senders: { executor: 'constant-vus', vus: share(0.4), duration: config.duration, exec: 'sender' },
    readers: { executor: 'constant-vus', vus: share(0.5), duration: config.duration, exec: 'reader' },
  },
  thresholds: thresholds(),
  summaryTrendStats,
};

export function setup(): Setup {
  return { sessions: preparedSessions() };
}

export function creator(): void {
  const n = exec.scenario.iterationInTest + 1;
  const id = sessionIdOf(n);
  const createdAt = Date.now();
  if (!createSession(id, workspaceOf(n))) return;
  const qr = waitQr(id, createdAt);
  if (qr !== undefined) scanAndConnect(id, qr, phoneOf(n));
  sleep(1);
}

export function sender(data: Setup): void {
  const n = exec.scenario.iterationInTest;
  const session = data.sessions[n % data.sessions.length]!;
  const sentAt = Date.now();
  const id = sendMessage(session, `+1555${String(n % 1000).padStart(7, '0')}`, `k6 mixed ${config.runId} ${n}`);
  if (id !== undefined) waitSent(id, sentAt);
  sleep(1);
}

export function reader(data: Setup): void {
  sessionStatus(data.sessions[exec.scenario.iterationInTest % data.sessions.length]!);
  sleep(1);
}
