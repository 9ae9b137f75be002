import { percentile } from '../bench/bench-util';

/** What a latency sample measures. */
export type LatencyKind =
  | 'qr' // create request → the worker's first QR (the record's qr_expires_at − 60 s)
  | 'connect' // scan request → the worker wrote connected (the record's updated_at)
  | 'send' // POST /api/messages/send → the message record's sent_at (server ack)
  | 'api_status' // round trip of GET /api/sessions/{id}/status (scenario reads and the harness's waits)
  | 'api_send' // round trip of POST /api/messages/send
  | 'api_create'; // round trip of POST /api/sessions/create

export const LATENCY_KINDS: readonly LatencyKind[] = ['qr', 'connect', 'send', 'api_status', 'api_send', 'api_create'];

export interface LatencySample {
  /** When the measured operation started (ms since the run began). */
  readonly at: number;
  readonly ms: number;
}

/** A named stretch of the run (ms since it began), e.g. `pairing` or the timed `load` phase. */
export interface Phase {
  readonly name: string;
  readonly from: number;
  readonly to: number;
}

export interface Summary {
  readonly count: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

export function summarize(values: readonly number[]): Summary {
  return {
    count: values.length,
    p50: percentile(values, 0.5),
    p95: percentile(values, 0.95),
    p99: percentile(values, 0.99),
    max: values.length === 0 ? Number.NaN : values.reduce((a, b) => Math.max(a, b), -Infinity),
  };
}

/** Every latency sample and error of one run, by kind, with the time it was taken. */
export class Recorder {
  readonly startedAt = Date.now();
  private readonly samples = new Map<LatencyKind, LatencySample[]>();
  private readonly errorCounts = new Map<string, number>();
  private readonly errorExamples: string[] = [];
  private readonly phaseList: Phase[] = [];
  /** Called (and awaited) as each phase starts and ends: the cost meter's marks. */
  onPhaseEdge: ((name: string, edge: 'start' | 'end') => Promise<void>) | undefined;

  now(): number {
    return Date.now() - this.startedAt;
  }

  /** Runs `task` as phase `name` (its samples can then be summarised on their own). */
  async phase<T>(name: string, task: () => Promise<T>): Promise<T> {
    await this.onPhaseEdge?.(name, 'start');
    const from = this.now();
    try {
      return await task();
    } finally {
      this.phaseList.push({ name, from, to: this.now() });
      await this.onPhaseEdge?.(name, 'end');
    }
  }

  /** The phases so far, in the order they ended; a name may occur more than once. */
  phases(): readonly Phase[] {
    return this.phaseList;
  }

  /** Records a latency of an operation that started at `startedAtMs` (epoch ms). */
  record(kind: LatencyKind, startedAtMs: number, ms: number): void {
    let list = this.samples.get(kind);
    if (!list) this.samples.set(kind, (list = []));
    list.push({ at: startedAtMs - this.startedAt, ms });
  }

  error(kind: string, detail: string): void {
    this.errorCounts.set(kind, (this.errorCounts.get(kind) ?? 0) + 1);
    if (this.errorExamples.length < 20) this.errorExamples.push(`${kind}: ${detail.slice(0, 300)}`);
  }

  of(kind: LatencyKind): readonly LatencySample[] {
    return this.samples.get(kind) ?? [];
  }

  /** Percentiles of `kind`; with `phase`, of the operations that started during a phase of that name. */
  summary(kind: LatencyKind, phase?: string): Summary {
    const within = phase === undefined ? undefined : this.phaseList.filter((p) => p.name === phase);
    const samples = within === undefined ? this.of(kind) : this.of(kind).filter((s) => within.some((p) => s.at >= p.from && s.at <= p.to));
    return summarize(samples.map((s) => s.ms));
  }

  errors(): Record<string, number> {
    return Object.fromEntries(this.errorCounts);
  }

  errorTotal(): number {
    return [...this.errorCounts.values()].reduce((a, b) => a + b, 0);
  }

  examples(): readonly string[] {
    return this.errorExamples;
  }

  /** p50/p95 of `kind` in windows of `windowMs` by start time, for the chart. */
  series(kind: LatencyKind, windowMs: number): Array<{ t: number; p50: number; p95: number; count: number }> {
    const buckets = new Map<number, number[]>();
    for (const sample of this.of(kind)) {
      const key = Math.floor(sample.at / windowMs);
      let list = buckets.get(key);
      if (!list) buckets.set(key, (list = []));
      list.push(sample.ms);
    }
    return [...buckets.entries()]
      .sort(([a], [b]) => a - b)
      .map(([key, values]) => ({
        t: key * windowMs,
        p50: percentile(values, 0.5),
        p95: percentile(values, 0.95),
        count: values.length,
      }));
  }
}
