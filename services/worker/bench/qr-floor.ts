/**
 * The floor under `make bench-sessions`' QR figure: N bare Baileys sockets (the connector's socket
 * configuration and fast paths, credentials made beforehand, auth state in memory) created at once
 * against the simulator in its own process; no ingress, Redis, queue, disk or session bookkeeping.
 * Prints time to every QR (p50/p95) and CPU per socket of this process (event loop and other threads)
 * and of the simulator, for a first burst and for bursts on warm code. Printed, not asserted.
 * Usage (after compiling): node services/worker/dist/bench/qr-floor.js [N=500]
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { initAuthCreds, type AuthenticationCreds, type WASocket } from 'baileys';
import { createSilentLogger } from '@fleet/logger';
import { startProcess } from '@fleet/testing';
import { createBaileysLogger } from '../src/connector/baileys/baileys-logger';
import { installBaileysPatches } from '../src/connector/baileys/patches';
import { resolveConnectorOptions } from '../src/connector/baileys/options';
import { createSocket } from '../src/connector/baileys/socket-factory';

const BURSTS = ['first burst', 'warm', 'warm'];
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** CPU time (ms) of a process's threads from /proc: the main thread (tid = pid) and all others. */
function threadCpuMs(pid: number): { main: number; other: number } {
  const tick = 10;
  let main = 0;
  let other = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ms = (Number(fields[11]) + Number(fields[12])) * tick;
    if (Number(tid) === pid) main += ms;
    else other += ms;
  }
  return { main, other };
}

const percentile = (sorted: readonly number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? NaN;

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 500);
  await installBaileysPatches(createSilentLogger());
  const simulatorBin = path.join(path.dirname(require.resolve('@fleet/simulator')), 'bin.js');
  const simulator = startProcess(simulatorBin, { SIM_PORT: '0', SIM_LOG_LEVEL: 'warn', SIM_IDENTITY_POOL: '0' });
  try {
    const waWebSocketUrl = (await simulator.waitForLine(/ws:\/\/\S+/)).trim();
    const logger = createSilentLogger();
    const options = resolveConnectorOptions({ logger, waWebSocketUrl });
    const baileysLogger = createBaileysLogger(logger);
    const simPid = simulator.child.pid!;
    console.log(`${count} bare Baileys sockets at once against the simulator (pid ${simPid}), CPU in ms per socket`);
    for (const label of BURSTS) {
      const creds: AuthenticationCreds[] = Array.from({ length: count }, () => initAuthCreds());
      await sleep(2_000);
      const sockets: WASocket[] = [];
      const before = { self: threadCpuMs(process.pid), sim: threadCpuMs(simPid) };
      const started = Date.now();
      const latencies = await Promise.all(creds.map((c) => new Promise<number>((resolve) => {
        const begin = Date.now();
        const socket = createSocket({ creds: c, keys: { get: async () => ({}), set: async () => undefined } }, baileysLogger, options, async () => undefined);
        sockets.push(socket);
        socket.ev.on('connection.update', (update) => {
          if (update.qr) resolve(Date.now() - begin);
        });
      })));
      const wall = Date.now() - started;
      const after = { self: threadCpuMs(process.pid), sim: threadCpuMs(simPid) };
      latencies.sort((a, b) => a - b);
      const per = (ms: number): string => (ms / count).toFixed(2);
      console.log(
        `  ${label.padEnd(12)} all QRs in ${wall} ms; QR p50 ${percentile(latencies, 0.5)} / p95 ${percentile(latencies, 0.95)} ms; ` +
          `Baileys process ${per(after.self.main - before.self.main)} event loop + ${per(after.self.other - before.self.other)} other threads, ` +
          `simulator ${per(after.sim.main - before.sim.main + after.sim.other - before.sim.other)}`,
      );
      for (const socket of sockets) socket.end(undefined);
      await sleep(3_000);
    }
  } finally {
    simulator.child.kill();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
