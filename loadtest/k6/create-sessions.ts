// Checklist scenario "1000 concurrent session creations": VUS virtual users each create one session at
// the same moment, wait for its QR (qr_latency) and, with SIM_URL set, scan it with the simulator's
// virtual phone and wait until Fleet reports it connected (connect_latency).
//   k6 run -e FLEET_URL=… -e FLEET_API_KEY=… -e SIM_URL=… -e VUS=1000 loadtest/k6/create-sessions.ts
import type { Options } from 'k6/options';
import { config } from './lib/config.ts';
import { createSession, phoneOf, scanAndConnect, sessionIdOf, waitQr, workspaceOf } from './lib/fleet.ts';
import { summaryTrendStats, thresholds } from './lib/metrics.ts';

export const options: Options = {
  scenarios: {
    create: { executor: 'per-vu-iterations', vus: config.vus, iterations: 1, maxDuration: '10m' },
  },
  thresholds: thresholds(),
  summaryTrendStats,
};

export default function (): void {
  const n = __VU;
  const id = sessionIdOf(n);
  const createdAt = Date.now();
  if (!createSession(id, workspaceOf(n))) return;
  const qr = waitQr(id, createdAt);
  if (qr !== undefined && config.simUrl !== '') scanAndConnect(id, qr, phoneOf(n));
}
