/**
 * Fleet's own cost beside the bare-Baileys floor (issue: measure Fleet's cost, not the simulator's or
 * the load generator's). Fleet's processes are the ingress, the workers and Redis; the simulator
 * stands for WhatsApp's servers and the bench process for the Laravel app, so both run at SCHED_IDLE
 * and their CPU is not counted. The floor is `services/worker/bench/floor.ts` in a process of its own
 * at normal priority (this one may already be idle), against a simulator of its own at SCHED_IDLE.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Redis } from 'ioredis';
import type { LocalFleet } from '../harness/local-fleet';
import { cpuMsOf } from './bench-util';

/** What `floor.js` prints last (FLOOR_JSON): the floor's CPU per paired session and per message. */
export interface FloorFigures {
  readonly sessions: number;
  readonly qr: { p50: number; p95: number };
  readonly perSessionMs: { createToQr: number; qrToConnected: number; total: number };
  readonly sends: ReadonlyArray<{
    label: string;
    count: number;
    achievedRate: number;
    perMessageMs: number;
    toAck: { p50: number; p95: number };
    toDelivered: { p50: number; p95: number };
    notDelivered: number;
  }>;
  readonly simulator: { decryptFailures: number; messagesReceived: number };
}

/** Runs the floor with `sessions` sessions and the given send pace; its lines go to `say`. */
export async function runFloor(sessions: number, sendRate: number, sendSeconds: number, say: (line: string) => void): Promise<FloorFigures> {
  // @fleet/worker's main is dist/src/index.js; its benches compile to dist/bench.
  const floorJs = path.join(path.dirname(require.resolve('@fleet/worker')), '..', 'bench', 'floor.js');
  // `chrt --other 0`: normal priority even when this process is already at SCHED_IDLE (children inherit it).
  const child = spawn('chrt', ['--other', '0', process.execPath, floorJs, String(sessions)], {
    env: { ...process.env, FLOOR_SEND_RATE: String(sendRate), FLOOR_SEND_SECONDS: String(sendSeconds) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    let newline = output.indexOf('\n');
    while (newline >= 0) {
      const line = output.slice(0, newline);
      output = output.slice(newline + 1);
      if (line.startsWith('FLOOR_JSON ')) result = JSON.parse(line.slice('FLOOR_JSON '.length)) as FloorFigures;
      else say(line);
      newline = output.indexOf('\n');
    }
  });
  let result: FloorFigures | undefined;
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0 || !result) throw new Error(`the floor (${floorJs}) exited with ${code} and no figures`);
  return result;
}

/** Fleet's processes whose CPU is Fleet's cost: the ingress, every worker and (when local) Redis. */
export interface FleetPids {
  readonly ingress: number;
  readonly workers: readonly number[];
  /** Undefined when Redis runs on another machine (its CPU is then not counted: said in the output). */
  readonly redis: number | undefined;
}

export async function fleetPids(fleet: LocalFleet, redis: Redis): Promise<FleetPids> {
  const workers = [...fleet.processes].filter(([name]) => name.startsWith('instance-')).map(([, service]) => service.child.pid!);
  return { ingress: fleet.processes.get('ingress')!.child.pid!, workers, redis: await localRedisPid(redis) };
}

/** The pid of the Redis `redis` talks to, when it runs on this machine and /proc shows it (same pid namespace); else undefined. */
export async function localRedisPid(redis: Redis): Promise<number | undefined> {
  const pid = Number(/^process_id:(\d+)/m.exec(await redis.info('server'))?.[1]);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  // The same number in another pid namespace is another process: its command line names redis.
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return cmdline.includes('redis') ? pid : undefined;
}

export interface FleetCpu {
  readonly ingress: number;
  readonly workers: number;
  readonly redis: number;
}

export async function fleetCpu(pids: FleetPids): Promise<FleetCpu> {
  let workers = 0;
  for (const pid of pids.workers) workers += await cpuMsOf(pid);
  return { ingress: await cpuMsOf(pids.ingress), workers, redis: pids.redis ? await cpuMsOf(pids.redis) : 0 };
}

export const cpuSince = (before: FleetCpu, after: FleetCpu): FleetCpu => ({
  ingress: after.ingress - before.ingress,
  workers: after.workers - before.workers,
  redis: after.redis - before.redis,
});

export const totalCpu = (cpu: FleetCpu): number => cpu.ingress + cpu.workers + cpu.redis;

/** One row of the cost table: a unit of work, the floor's CPU per unit, Fleet's (and its parts), the ratio. */
export interface CostRow {
  readonly unit: string;
  readonly floorMs: number;
  readonly fleet: FleetCpu;
  readonly units: number;
  /** Latency beside the CPU: what the floor and Fleet took, with its label. */
  readonly latency?: { label: string; floor: number; fleet: number };
}

const f2 = (value: number): string => (Number.isFinite(value) ? value.toFixed(2) : 'n/a');
const ms0 = (value: number): string => (Number.isFinite(value) ? String(Math.round(value)) : 'n/a');

/** The side-by-side table: Fleet's own CPU per unit against the bare-Baileys floor, and the ratio. */
export function costTable(rows: readonly CostRow[], redisCounted: boolean): string {
  const lines = [
    `| unit of work | bare Baileys CPU/unit | Fleet CPU/unit (ingress + workers + ${redisCounted ? 'Redis' : 'Redis not counted: not local'}) | ratio | latency p95: floor / Fleet |`,
    '|---|---|---|---|---|',
  ];
  for (const row of rows) {
    const per = (value: number): number => value / Math.max(1, row.units);
    const fleet = per(totalCpu(row.fleet));
    lines.push(
      `| ${row.unit} | ${f2(row.floorMs)} ms | ${f2(fleet)} ms (${f2(per(row.fleet.ingress))} + ${f2(per(row.fleet.workers))} + ${f2(per(row.fleet.redis))}) | ` +
        `${(fleet / row.floorMs).toFixed(2)}× | ${row.latency ? `${row.latency.label} ${ms0(row.latency.floor)} / ${ms0(row.latency.fleet)} ms` : ''} |`,
    );
  }
  return lines.join('\n');
}

/** Fleet's CPU at named moments of a run (phase edges), for the cost of what happened between two. */
export class CostMeter {
  private readonly marks = new Map<string, FleetCpu>();

  constructor(readonly pids: FleetPids) {}

  async mark(name: string): Promise<void> {
    this.marks.set(name, await fleetCpu(this.pids));
  }

  /** CPU between two marks; undefined when either was not taken. */
  between(from: string, to: string): FleetCpu | undefined {
    const a = this.marks.get(from);
    const b = this.marks.get(to);
    return a && b ? cpuSince(a, b) : undefined;
  }
}

/** Counts that explain the CPU and barely depend on the machine's load: Redis commands and write syscalls. */
export interface WorkCounts {
  /** Commands Redis executed (INFO commandstats, all clients: run on a Redis of its own). */
  readonly redisCommands: number;
  /** write-type syscalls (write, writev, sendmsg …: `syscw` of /proc/<pid>/io) of the workers and the ingress. */
  readonly workerWrites: number;
  readonly ingressWrites: number;
}

async function writeSyscalls(pid: number): Promise<number> {
  try {
    return Number(/^syscw:\s+(\d+)/m.exec(await readFile(`/proc/${pid}/io`, 'utf8'))?.[1] ?? Number.NaN);
  } catch {
    return Number.NaN;
  }
}

export async function workCounts(pids: FleetPids, redis: Redis): Promise<WorkCounts> {
  const stats = await redis.info('commandstats');
  let redisCommands = 0;
  for (const match of stats.matchAll(/calls=(\d+)/g)) redisCommands += Number(match[1]);
  let workerWrites = 0;
  for (const pid of pids.workers) workerWrites += await writeSyscalls(pid);
  return { redisCommands, workerWrites, ingressWrites: await writeSyscalls(pids.ingress) };
}

export const countsSince = (a: WorkCounts, b: WorkCounts): WorkCounts => ({
  redisCommands: b.redisCommands - a.redisCommands,
  workerWrites: b.workerWrites - a.workerWrites,
  ingressWrites: b.ingressWrites - a.ingressWrites,
});
