import { createRedis } from '@fleet/redis';
import { cleanPrefix, freshPrefix } from '@fleet/testing';
import { TARGETS, meetsTargets, runFigures, type RunFigures, type TargetSet } from './figures';
import { checkInvariants } from './invariants';
import { LoadClient, type AcceptedMessage } from './load-client';
import { startLocalFleet, type LocalFleet } from './local-fleet';
import { watchExits } from './run-loadtest';
import { Poller } from './poller';
import { Recorder } from './recorder';
import { writeReport } from './report';
import { Sampler } from './sampler';
import { pairMany, type ScenarioContext } from './scenarios/scenario';
import { steadyLoad } from './scenarios/mixed';
import { SentTracker } from './sent-tracker';
import { machineLine, maxTable, seriesDir, targetsLine, writeSummary, type SeriesRow } from './series-table';
import { settleMessages } from './settle';

export interface MaxSearchOptions {
  /** Session counts tried: start, start + step, … up to limit. */
  readonly start: number;
  readonly step: number;
  readonly limit: number;
  /** Length of the measured mixed phase at each step, in seconds. */
  readonly durationS: number;
  /** Sends per second per connected session (0.1 = one every 10 s, as `make loadtest`'s default). */
  readonly sendsPerSession: number;
  readonly scanConcurrency: number;
  readonly pairWave: number;
  readonly pollRate: number;
  /** Keep going after both target sets broke (default: stop). */
  readonly exhaustive: boolean;
  readonly redisUrl: string;
  readonly reportRoot: string;
  readonly log: (line: string) => void;
}

export interface MaxSearchResult {
  readonly rows: SeriesRow[];
  /** The largest session count whose step met every target of the set (undefined: not even the first). */
  readonly largest: Limits;
  /** The same for each headline figure on its own (key of TARGETS → set → largest count). */
  readonly perFigure: Record<string, Limits>;
  readonly markdown: string;
  readonly file: string;
}

type Limits = Record<TargetSet, number | undefined>;

/**
 * Largest passing count of one condition. It breaks at the second miss in a row: on a shared machine one
 * noisy step (the first, coldest one especially) must not decide the verdict; every miss stays in the table.
 */
class Threshold {
  largest: number | undefined;
  private misses = 0;

  get broken(): boolean {
    return this.misses >= 2;
  }

  observe(sessions: number, pass: boolean): void {
    if (this.broken) return;
    if (pass) {
      this.largest = sessions;
      this.misses = 0;
    } else {
      this.misses += 1;
    }
  }

  describe(start: number): string {
    const value = this.largest === undefined ? `below ${start}` : `${this.largest}`;
    if (this.broken) return value;
    return `${value} (${this.misses === 0 ? 'held to the last step' : 'the last step missed, unconfirmed'})`;
  }
}

const SETS: readonly TargetSet[] = ['checklist', 'ours'];

const DESCRIBE =
  'one worker; at each step the sessions are topped up to 80 % of N (unmeasured), then for DURATION the ' +
  'other 20 % are created at an even pace while N × SENDS_PER_SESSION sends/s and twice as many status reads/s run (open loop)';

/** Verdicts of one search: overall per target set, and per headline figure. */
class Verdicts {
  readonly overall: Record<TargetSet, Threshold> = { checklist: new Threshold(), ours: new Threshold() };
  readonly byFigure = new Map<string, Record<TargetSet, Threshold>>(TARGETS.map((t) => [t.key, { checklist: new Threshold(), ours: new Threshold() }]));

  observe(sessions: number, step: RunFigures): void {
    for (const set of SETS) {
      this.overall[set].observe(sessions, meetsTargets(step.headline, set));
      for (const t of TARGETS) {
        const value = step.headline[t.key];
        this.byFigure.get(t.key)![set].observe(sessions, !Number.isFinite(value) || value <= t[set]);
      }
    }
  }

  get bothBroken(): boolean {
    return this.overall.checklist.broken && this.overall.ours.broken;
  }

  line(start: number): string {
    const both = (pair: Record<TargetSet, Threshold>): string => `${pair.checklist.describe(start)} / ${pair.ours.describe(start)}`;
    return (
      `Largest session count within every target (checklist / ours): **${both(this.overall)}**. ` +
      `Within each target on its own: ${TARGETS.map((t) => `${t.figure} ${both(this.byFigure.get(t.key)!)}`).join('; ')}.`
    );
  }

  largest(): { largest: Limits; perFigure: Record<string, Limits> } {
    const limits = (pair: Record<TargetSet, Threshold>): Limits => ({ checklist: pair.checklist.largest, ours: pair.ours.largest });
    return { largest: limits(this.overall), perFigure: Object.fromEntries([...this.byFigure].map(([key, pair]) => [key, limits(pair)])) };
  }
}

/** One fleet with one worker and the client that grows it, step by step. */
class MaxSearch {
  readonly rows: SeriesRow[] = [];
  private readonly client: LoadClient;
  private readonly poller: Poller;
  private readonly tracker: SentTracker;
  private nextIndex = 0;

  constructor(
    private readonly fleet: LocalFleet,
    private readonly options: MaxSearchOptions,
    private readonly dir: string,
  ) {
    this.poller = new Poller({ maxPerSecond: options.pollRate });
    this.tracker = new SentTracker(fleet.simulator);
    this.client = new LoadClient(fleet, new Recorder(), this.poller);
  }

  get paired(): number {
    return this.client.paired.length;
  }

  start(): void {
    this.tracker.start();
  }

  stop(): Promise<void> {
    return this.tracker.stop();
  }

  /** Tops the fleet up to 80 % of `sessions`, runs the timed mixed phase, settles, checks and reports it. */
  async step(sessions: number): Promise<RunFigures> {
    const { fleet, client, options } = this;
    const recorder = new Recorder();
    client.recorder = recorder;
    const sampler = new Sampler(fleet, recorder.startedAt);
    sampler.start();
    const sendRate = Math.max(1, Math.round(sessions * options.sendsPerSession));
    const context: ScenarioContext = {
      fleet,
      client,
      recorder,
      log: options.log,
      options: { sessions, durationS: options.durationS, sendRate, scanConcurrency: options.scanConcurrency, pairWave: options.pairWave },
    };
    const acceptedBefore = client.accepted.size;
    const base = Math.max(client.paired.length, Math.floor(sessions * 0.8));
    const topUp = base - client.paired.length;
    options.log(`max: step ${sessions} sessions; pairing ${topUp} more, then ${options.durationS} s of load at ${sendRate} sends/s`);
    await pairMany(context, this.nextIndex, topUp);
    this.nextIndex += topUp;
    await steadyLoad(context, { firstIndex: this.nextIndex, creations: sessions - base, durationS: options.durationS, sendRate, readRate: 2 * sendRate });
    this.nextIndex += sessions - base;
    const wallMs = recorder.now();
    const accepted = new Map<string, AcceptedMessage>([...client.accepted].slice(acceptedBefore));
    const settle = await settleMessages(fleet, accepted, recorder);
    const invariants = await checkInvariants(
      fleet,
      accepted,
      client.paired.map((s) => s.phone),
      30_000,
      this.tracker,
    );
    await sampler.stop();
    const counts = { sessions, workers: 1, wallMs, created: client.created, paired: client.paired.length, accepted: accepted.size, settle, invariants };
    const figures = runFigures(counts, recorder, sampler);
    const facts = {
      ...counts,
      scenario: `max-${sessions}`,
      describe: DESCRIBE,
      options: context.options,
      probes: this.poller.probes,
      throttledMs: this.poller.throttledMs,
      pollRate: options.pollRate,
      figures,
    };
    const files = await writeReport(this.dir, facts, recorder, sampler);
    this.rows.push({ figures, reportDir: files.dir });
    return figures;
  }
}

/**
 * The largest session count one worker holds before latency targets break: ONE fleet with one worker,
 * grown step by step. Each step is `make loadtest SCENARIO=mixed SESSIONS=N WORKERS=1`'s timed phase on
 * top of the sessions already connected (its pairing only tops up), measured on its own (report per
 * step). A target set breaks at its second missed step in a row. Stops once both sets broke, at `limit`,
 * or when a step could not pair most sessions.
 */
export async function runMaxSearch(options: MaxSearchOptions): Promise<MaxSearchResult> {
  const dir = seriesDir(options.reportRoot, 'max');
  const prefix = freshPrefix('loadmax');
  const fleet = await startLocalFleet({ redisUrl: options.redisUrl, prefix, workers: 1, logLevel: 'error', maxSessionsPerWorker: options.limit + 1000 });
  const redis = createRedis(options.redisUrl);
  const search = new MaxSearch(fleet, options, dir);
  const verdicts = new Verdicts();
  const stopWatching = watchExits(fleet, options.log);
  search.start();
  try {
    for (let sessions = options.start; sessions <= options.limit; sessions += options.step) {
      const step = await search.step(sessions);
      verdicts.observe(sessions, step);
      options.log(
        `max: ${sessions} sessions: QR p95 ${Math.round(step.headline.qrP95)} ms, send p95 ${Math.round(step.headline.sendP95)} ms, ` +
          `API p50 ${Math.round(step.headline.apiP50)} ms; checklist targets ${verdicts.overall.checklist.broken ? 'broken' : 'met'}, ours ${verdicts.overall.ours.broken ? 'broken' : 'met'}`,
      );
      if (search.paired < 0.9 * sessions) {
        options.log(`max: only ${search.paired} of ${sessions} sessions paired; stopping`);
        break;
      }
      if (verdicts.bothBroken && !options.exhaustive) break;
    }
  } finally {
    stopWatching();
    await search.stop();
    await fleet.close();
    await cleanPrefix(redis, prefix);
    redis.disconnect();
  }
  const markdown = [
    `### Largest session count on one worker: steps of ${options.step} from ${options.start}`,
    '',
    `Method: ${DESCRIBE}; DURATION ${options.durationS} s, SENDS_PER_SESSION ${options.sendsPerSession}, ${options.scanConcurrency} scans in flight. ${machineLine()}`,
    "Latencies from each step's timed phase (QR: the creations during it). A target counts as broken at the second missed step in a row.",
    '',
    maxTable(search.rows),
    '',
    targetsLine(),
    '',
    verdicts.line(options.start),
    '',
    `Reports: ${search.rows.map((row) => row.reportDir).join(', ')}`,
    '',
  ].join('\n');
  const { largest, perFigure } = verdicts.largest();
  const written = await writeSummary(dir, markdown, { kind: 'max', options: { ...options, log: undefined }, rows: search.rows, largest, perFigure });
  return { rows: search.rows, largest, perFigure, ...written };
}
