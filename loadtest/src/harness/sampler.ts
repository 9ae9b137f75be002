import { readFile } from 'node:fs/promises';
import { metricValue } from '../bench/bench-util';
import type { LocalFleet } from './local-fleet';

/** USER_HZ: the unit of utime/stime in /proc/<pid>/stat (100 on every Linux Fleet runs on). */
const CLOCK_TICKS = 100;

export interface ProcessSample {
  /** ms since the run began. */
  readonly t: number;
  /** CPU used since the previous sample, in % of one core. */
  readonly cpu: number;
  readonly rssBytes: number;
}

export interface FleetSample {
  readonly t: number;
  /** Sum over workers of fleet_sessions{status="connected"}. */
  readonly connected: number;
}

/** utime + stime of a process in seconds (fields 14 and 15 of /proc/<pid>/stat). */
export async function cpuSecondsOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

export async function rssBytesOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1] ?? 0) * 1024;
}

/**
 * Every `intervalMs`: CPU and RSS of each fleet process (simulator, ingress, workers), and the number of
 * connected sessions the workers report on /metrics. Processes that went away are skipped.
 */
export class Sampler {
  readonly processes = new Map<string, ProcessSample[]>();
  readonly fleetSamples: FleetSample[] = [];
  private readonly lastCpu = new Map<string, { at: number; seconds: number }>();
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> = Promise.resolve();

  constructor(
    private readonly fleet: LocalFleet,
    private readonly startedAt: number,
    private readonly intervalMs = 1_000,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.inFlight = this.inFlight.then(() => this.tick()).catch(() => undefined);
    }, this.intervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.inFlight;
  }

  /** The latest connected count (0 before the first sample). */
  connected(): number {
    return this.fleetSamples.at(-1)?.connected ?? 0;
  }

  private async tick(): Promise<void> {
    const t = Date.now() - this.startedAt;
    await Promise.all([...this.fleet.processes.entries()].map(([name, proc]) => this.sampleProcess(name, proc.child.pid, t)));
    const workers = [...this.fleet.processes.keys()].filter((name) => name.startsWith('instance-'));
    const counts = await Promise.all(
      workers.map(async (name) => {
        try {
          const text = await (await fetch(`${this.fleet.workerUrl(name)}/metrics`, { signal: AbortSignal.timeout(2_000) })).text();
          return metricValue(text, 'fleet_sessions', { status: 'connected' });
        } catch {
          return 0;
        }
      }),
    );
    this.fleetSamples.push({ t, connected: counts.reduce((a, b) => a + b, 0) });
  }

  private async sampleProcess(name: string, pid: number | undefined, t: number): Promise<void> {
    if (pid === undefined) return;
    try {
      const [seconds, rssBytes] = await Promise.all([cpuSecondsOf(pid), rssBytesOf(pid)]);
      const previous = this.lastCpu.get(name);
      this.lastCpu.set(name, { at: t, seconds });
      if (!previous) return;
      const cpu = ((seconds - previous.seconds) / ((t - previous.at) / 1000)) * 100;
      let list = this.processes.get(name);
      if (!list) this.processes.set(name, (list = []));
      list.push({ t, cpu, rssBytes });
    } catch {
      // the process exited between listing and reading
    }
  }
}
