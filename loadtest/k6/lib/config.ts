// Everything a scenario reads from the environment (`k6 run -e NAME=value` or the shell), read once.
const num = (name: string, fallback: number): number => {
  const raw = __ENV[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number, got ${raw}`);
  return value;
};

export const config = Object.freeze({
  /** Base URL of the Fleet ingress. */
  fleetUrl: (__ENV.FLEET_URL || 'http://127.0.0.1:3000').replace(/\/$/, ''),
  /** One key of the ingress's API_KEYS. */
  apiKey: __ENV.FLEET_API_KEY || '',
  /** The simulator's admin URL (`http://host:port/admin`); empty = no pairing, QR latency only. */
  simUrl: (__ENV.SIM_URL || '').replace(/\/$/, ''),
  /** Comma-separated ids of sessions that are already connected (skips pairing in setup()). */
  pairedSessions: (__ENV.PAIRED_SESSIONS || '').split(',').filter((id) => id !== ''),
  /** Virtual users (concurrent creations / sends); the checklist's 1,000 by default. */
  vus: num('VUS', 1000),
  /** Sessions paired in setup() for the send, mixed and soak scenarios when PAIRED_SESSIONS is empty. */
  sendSessions: num('SEND_SESSIONS', 50),
  /** Soak and mixed duration, a k6 duration string. */
  duration: __ENV.DURATION || '30m',
  /** Distinguishes the session ids of two runs against the same fleet. */
  runId: __ENV.RUN_ID || String(Date.now()).slice(-8),
  /** `checklist` (default) or `ours`: which latency targets the thresholds enforce. */
  targets: __ENV.TARGETS === 'ours' ? 'ours' : 'checklist',
  /** Workspace ids used are 1 … WORKSPACES (decides the shard, hence the worker). */
  workspaces: num('WORKSPACES', 1000),
});
