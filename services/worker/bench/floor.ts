/**
 * The bare-Baileys floor under Fleet's cost (`make bench-qr-floor`, and the first half of
 * `make bench-sessions`): what N Baileys sockets cost with nothing around them, against the simulator
 * in its own process at SCHED_IDLE (it stands for WhatsApp's servers, not for anything we run).
 *
 * The sockets use the connector's socket configuration and patches (the floor is the cheapest Fleet
 * could possibly be), auth state and Signal keys in memory (no disk, no Redis, no queue, no HTTP).
 * Making each session's credentials counts in its cost, as it does in Fleet (where the worker's
 * pool makes them ahead, off the QR's path, but still on the worker's CPU). Phases, each with this process's CPU (every
 * thread) per unit of work:
 *   - a first burst of N sockets to their QRs, then closed (the JIT's warm-up, as Fleet's bench does);
 *   - N sockets to their QRs, each scanned by a virtual phone, reconnected after 515 and open: the
 *     CPU per paired session (create → connected);
 *   - paced sends, FLOOR_SEND_RATE/s for FLOOR_SEND_SECONDS round-robin over the sessions, each to a
 *     recipient never written to (first contacts), then the same pairs again (known contacts), until
 *     every message has its delivery receipt: the CPU per message.
 * Prints a summary and, last, one `FLOOR_JSON {...}` line that `make bench-sessions` reads.
 * Usage (after compiling): node services/worker/dist/bench/floor.js [N=500]
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { initAuthCreds, type AuthenticationCreds, type SignalDataTypeMap, type SignalKeyStore, type WASocket } from 'baileys';
import { createSilentLogger } from '@fleet/logger';
import { SimulatorClient } from '@fleet/simulator';
import { startProcess } from '@fleet/testing';
import { createBaileysLogger } from '../src/connector/baileys/baileys-logger';
import { installBaileysPatches } from '../src/connector/baileys/patches';
import { resolveConnectorOptions, type ResolvedConnectorOptions } from '../src/connector/baileys/options';
import { createSocket } from '../src/connector/baileys/socket-factory';

const env = (name: string, fallback: number): number => (process.env[name] ? Number(process.env[name]) : fallback);
const SEND_RATE = env('FLOOR_SEND_RATE', 200);
const SEND_SECONDS = env('FLOOR_SEND_SECONDS', 20);
const PAIR_CONCURRENCY = env('FLOOR_PAIR_CONCURRENCY', 32);
/** Baileys' message status of a delivery receipt (proto.WebMessageInfo.Status.DELIVERY_ACK). */
const DELIVERY_ACK = 3;
const SERVER_ACK = 2;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** CPU time (ms) of every thread of a process, from /proc (100 ticks/s). */
export function processCpuMs(pid: number): number {
  let total = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += (Number(fields[11]) + Number(fields[12])) * 10;
    } catch {
      // a thread that ended between the listing and the read
    }
  }
  return total;
}

const percentile = (values: readonly number[], q: number): number => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
};

/** A Signal key store in memory: what Fleet keeps in files and its key cache, here in one Map. */
function memoryKeys(): SignalKeyStore {
  const store = new Map<string, unknown>();
  return {
    get: async <T extends keyof SignalDataTypeMap>(type: T, ids: string[]) => {
      const found: Record<string, SignalDataTypeMap[T]> = {};
      for (const id of ids) {
        const value = store.get(`${type}:${id}`);
        if (value !== undefined) found[id] = value as SignalDataTypeMap[T];
      }
      return found;
    },
    set: async (data) => {
      for (const [type, entries] of Object.entries(data)) {
        for (const [id, value] of Object.entries(entries ?? {})) {
          if (value === null || value === undefined) store.delete(`${type}:${id}`);
          else store.set(`${type}:${id}`, value);
        }
      }
    },
  };
}

/** One bare session: credentials, keys, and the socket of the moment (a new one after the 515 restart). */
class BareSession {
  socket: WASocket | undefined;
  private readonly keys = memoryKeys();
  private closing = false;
  private onQr: ((qr: string) => void) | undefined;
  private onOpen: (() => void) | undefined;
  /** Message id → when it was sent, then its server ack and delivery receipt times. */
  readonly sends = new Map<string, { sentAt: number; ackAt?: number; deliveredAt?: number }>();

  constructor(
    readonly phone: string,
    private readonly creds: AuthenticationCreds,
    private readonly open: (session: BareSession) => WASocket,
  ) {}

  connect(): void {
    const socket = this.open(this);
    this.socket = socket;
    socket.ev.on('creds.update', (update) => Object.assign(this.creds, update));
    socket.ev.on('connection.update', (update) => {
      if (update.qr) this.onQr?.(update.qr);
      if (update.connection === 'open') this.onOpen?.();
      // After the scan the server closes with 515 (restart required): the same credentials, a new socket.
      if (update.connection === 'close' && this.socket === socket && this.creds.me && !this.closing) this.connect();
    });
    socket.ev.on('messages.update', (updates) => {
      const now = Date.now();
      for (const { key, update } of updates) {
        const entry = key.id ? this.sends.get(key.id) : undefined;
        if (!entry || typeof update.status !== 'number') continue;
        if (update.status >= SERVER_ACK) entry.ackAt ??= now;
        if (update.status >= DELIVERY_ACK) entry.deliveredAt ??= now;
      }
    });
  }

  auth(): { creds: AuthenticationCreds; keys: SignalKeyStore } {
    return { creds: this.creds, keys: this.keys };
  }

  firstQr(): Promise<string> {
    return new Promise((resolve) => {
      this.onQr = (qr) => {
        this.onQr = undefined;
        resolve(qr);
      };
    });
  }

  opened(): Promise<void> {
    return new Promise((resolve) => {
      this.onOpen = resolve;
    });
  }

  close(): void {
    this.closing = true;
    this.socket?.end(undefined);
  }
}

export interface FloorSendFigures {
  readonly label: string;
  readonly count: number;
  readonly achievedRate: number;
  readonly cpuMs: number;
  readonly perMessageMs: number;
  readonly toAck: { p50: number; p95: number };
  readonly toDelivered: { p50: number; p95: number };
  readonly notDelivered: number;
}

export interface FloorFigures {
  readonly sessions: number;
  readonly qr: { p50: number; p95: number };
  /** CPU of the floor process per paired session: create → QR, QR → connected, and the sum. */
  readonly perSessionMs: { createToQr: number; qrToConnected: number; total: number };
  readonly sends: readonly FloorSendFigures[];
  readonly simulator: { decryptFailures: number; messagesReceived: number };
}

const recipientOf = (k: number): string => `1555666${String(k).padStart(4, '0')}`;
const phoneOf = (i: number): string => `1555444${String(i).padStart(4, '0')}`;

async function mapLimit<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) await task(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

async function pacedSends(label: string, sessions: readonly BareSession[]): Promise<FloorSendFigures> {
  const total = SEND_RATE * SEND_SECONDS;
  const mine: Array<{ session: BareSession; id: string }> = [];
  const cpu0 = processCpuMs(process.pid);
  const begin = Date.now();
  const pending: Array<Promise<void>> = [];
  for (let k = 0; k < total; k += 1) {
    const due = begin + (k * 1000) / SEND_RATE;
    if (due > Date.now()) await sleep(due - Date.now());
    const session = sessions[k % sessions.length]!;
    const sentAt = Date.now();
    pending.push(
      session.socket!.sendMessage(`${recipientOf(k)}@s.whatsapp.net`, { text: `floor message ${k}` }).then(
        (message) => {
          const id = message?.key.id;
          if (!id) return;
          const early = session.sends.get(id);
          session.sends.set(id, { ...early, sentAt });
          mine.push({ session, id });
        },
        () => undefined,
      ),
    );
  }
  const achievedRate = total / ((Date.now() - begin) / 1000);
  await Promise.all(pending);
  const settleBy = Date.now() + 30_000;
  const delivered = (): number => mine.filter(({ session, id }) => session.sends.get(id)?.deliveredAt).length;
  while (delivered() < total && Date.now() < settleBy) await sleep(50);
  const cpuMs = processCpuMs(process.pid) - cpu0;
  const entries = mine.map(({ session, id }) => session.sends.get(id)!);
  const toAck = entries.flatMap((e) => (e.ackAt ? [e.ackAt - e.sentAt] : []));
  const toDelivered = entries.flatMap((e) => (e.deliveredAt ? [e.deliveredAt - e.sentAt] : []));
  for (const session of sessions) session.sends.clear();
  return {
    label,
    count: total,
    achievedRate,
    cpuMs,
    perMessageMs: cpuMs / total,
    toAck: { p50: percentile(toAck, 0.5), p95: percentile(toAck, 0.95) },
    toDelivered: { p50: percentile(toDelivered, 0.5), p95: percentile(toDelivered, 0.95) },
    notDelivered: total - toDelivered.length,
  };
}

/** Puts a process under SCHED_IDLE (chrt): it gets only the cycles nothing else wants. */
function idle(pid: number): boolean {
  try {
    execFileSync('chrt', ['--all-tasks', '--idle', '--pid', '0', String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export async function runFloor(count: number, say: (line: string) => void): Promise<FloorFigures> {
  await installBaileysPatches(createSilentLogger());
  const simulatorBin = path.join(path.dirname(require.resolve('@fleet/simulator')), 'bin.js');
  const identities = String(count + SEND_RATE * SEND_SECONDS + 100);
  const simulator = startProcess(simulatorBin, { SIM_PORT: '0', SIM_LOG_LEVEL: 'warn', SIM_IDENTITY_POOL: identities });
  try {
    const waWebSocketUrl = (await simulator.waitForLine(/ws:\/\/\S+/)).trim();
    const admin = new SimulatorClient((await simulator.waitForLine(/http:\/\/\S+\/admin/)).trim(), 60_000);
    const background = idle(simulator.child.pid!);
    const logger = createSilentLogger();
    const options: ResolvedConnectorOptions = resolveConnectorOptions({ logger, waWebSocketUrl });
    const baileysLogger = createBaileysLogger(logger);
    const open = (session: BareSession): WASocket => createSocket(session.auth(), baileysLogger, options, async () => undefined);
    say(
      `bare Baileys floor: ${count} sessions, the simulator (pid ${simulator.child.pid}) ${background ? 'at SCHED_IDLE' : 'at normal priority (chrt failed)'}; CPU of this process only`,
    );

    // The JIT's warm-up: a burst to QRs on cold code, closed.
    const warm = Array.from({ length: count }, (_, i) => new BareSession(phoneOf(i), initAuthCreds(), open));
    await Promise.all(
      warm.map((session) => {
        const qr = session.firstQr();
        session.connect();
        return qr;
      }),
    );
    for (const session of warm) session.close();
    await sleep(3_000);

    await sleep(2_000);
    // Each session's credentials (its identity and pre-keys) are part of its cost, here as in Fleet.
    const cpu0 = processCpuMs(process.pid);
    const sessions = Array.from({ length: count }, (_, i) => new BareSession(phoneOf(i), initAuthCreds(), open));
    const qrLatencies: number[] = [];
    const qrs = await Promise.all(
      sessions.map(async (session) => {
        const begin = Date.now();
        const qr = session.firstQr();
        session.connect();
        const value = await qr;
        qrLatencies.push(Date.now() - begin);
        return value;
      }),
    );
    const cpu1 = processCpuMs(process.pid);
    await mapLimit(
      sessions.map((session, i) => ({ session, qr: qrs[i]! })),
      PAIR_CONCURRENCY,
      async ({ session, qr }) => {
        const opened = session.opened();
        await admin.scan(qr, session.phone);
        await opened;
      },
    );
    const cpu2 = processCpuMs(process.pid);
    const perSessionMs = { createToQr: (cpu1 - cpu0) / count, qrToConnected: (cpu2 - cpu1) / count, total: (cpu2 - cpu0) / count };
    say(
      `  ${count} paired; CPU per paired session ${perSessionMs.total.toFixed(2)} ms (credentials + create → QR ${perSessionMs.createToQr.toFixed(2)}, scan → connected ${perSessionMs.qrToConnected.toFixed(2)}); QR p95 ${percentile(qrLatencies, 0.95)} ms`,
    );

    const deadline = Date.now() + 120_000;
    while ((await admin.stats()).identitiesReady < SEND_RATE * SEND_SECONDS && Date.now() < deadline) await sleep(500);
    const sends: FloorSendFigures[] = [];
    for (const label of ['first contacts', 'known contacts']) {
      const figures = await pacedSends(label, sessions);
      sends.push(figures);
      say(
        `  ${label}: ${figures.count} at ${figures.achievedRate.toFixed(0)}/s, CPU per message ${figures.perMessageMs.toFixed(2)} ms; ` +
          `→ ack p50/p95 ${figures.toAck.p50}/${figures.toAck.p95} ms, → delivered p50/p95 ${figures.toDelivered.p50}/${figures.toDelivered.p95} ms, not delivered ${figures.notDelivered}`,
      );
    }
    const stats = await admin.stats();
    const decryptFailures = stats.perAccount.reduce((sum, account) => sum + account.decryptFailures, 0);
    for (const session of sessions) session.close();
    return {
      sessions: count,
      qr: { p50: percentile(qrLatencies, 0.5), p95: percentile(qrLatencies, 0.95) },
      perSessionMs,
      sends,
      simulator: { decryptFailures, messagesReceived: stats.messagesReceived },
    };
  } finally {
    simulator.child.kill();
  }
}

if (require.main === module) {
  runFloor(Number(process.argv[2] ?? 500), (line) => console.log(line)).then(
    (figures) => {
      console.log(`FLOOR_JSON ${JSON.stringify(figures)}`);
      process.exit(0);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
