// The send phases of make bench-sessions (see sessions.ts): paced sends to first and known contacts,
// the burst case, Fleet's own cost over each, and their rows in the report.
import type { Redis } from 'ioredis';
import type { LocalFleet } from '../harness/local-fleet';
import { mapLimit, metricValue, ms, percentile, sleep } from './bench-util';
import { countsSince, cpuSince, fleetCpu, totalCpu, workCounts, type FleetCpu, type FleetPids, type WorkCounts } from './cost';

/** A connected session that sends: its id, and its phone (where the simulator records what it sent). */
export interface Sender {
  readonly id: string;
  readonly phone: string;
}

/** Paced sends: `rate` messages a second for `seconds`. */
export interface SendPlan {
  readonly rate: number;
  readonly seconds: number;
}

export interface SendFigures {
  readonly count: number;
  readonly toSent: number[];
  readonly toDelivered: number[];
  readonly failed: number;
  readonly missing: number;
  readonly achievedRate: number;
  /** Fleet's own CPU from the first send until the last delivery receipt was recorded. */
  readonly cpu: FleetCpu;
  /** Redis commands and write syscalls over the same stretch. */
  readonly counts: WorkCounts;
}

/**
 * Fleet's cost of a stretch of sends: CPU, Redis commands and write syscalls from now until the worker
 * has recorded `count` more delivery receipts (its metric, a cheap read) or `timeoutMs` passed, before
 * the statuses are fetched through the API (the load generator's requests, not the sends' cost).
 */
async function costWindow(fleet: LocalFleet, pids: FleetPids, redis: Redis) {
  const delivered = async (): Promise<number> => metricValue(await workerMetrics(fleet), 'fleet_message_send_latency_seconds_count', { stage: 'delivered' });
  const deliveredBefore = await delivered();
  const cpu0 = await fleetCpu(pids);
  const counts0 = await workCounts(pids, redis);
  return {
    async untilDelivered(count: number, timeoutMs: number): Promise<{ cpu: FleetCpu; counts: WorkCounts }> {
      const deadline = Date.now() + timeoutMs;
      while ((await delivered()) - deliveredBefore < count && Date.now() < deadline) await sleep(250);
      return { cpu: cpuSince(cpu0, await fleetCpu(pids)), counts: countsSince(counts0, await workCounts(pids, redis)) };
    },
  };
}

/** The API's records of `accepted`, read again every second until each is `settled` or `timeoutMs` has passed. */
async function recordsOnceSettled(fleet: LocalFleet, accepted: ReadonlyArray<{ readonly id: string }>, settled: (record: any) => boolean, timeoutMs: number) {
  const settleBy = Date.now() + timeoutMs;
  let records: any[];
  do {
    await sleep(1_000);
    records = await mapLimit(accepted, 32, async (entry) => (await fleet.api('GET', `/api/messages/${entry.id}`)).body);
  } while (!records.every(settled) && Date.now() < settleBy);
  return records;
}

/** Recipient of message k: a number no session has written to before the first run, the same one in the second. */
const recipientOf = (k: number): string => `1555888${String(k).padStart(4, '0')}`;

/**
 * Open loop: message k leaves at start + k/rate whatever the answers, round-robin over sessions, to
 * `recipientOf(k)`. The first run is all first contacts (a device query, a pre-key bundle and a new
 * Signal session per message, on both sides); running it again sends every session the same
 * recipients, now known contacts, as most of a CRM's day is.
 */
export async function paceSends(fleet: LocalFleet, pids: FleetPids, redis: Redis, sessions: readonly Sender[], plan: SendPlan): Promise<SendFigures> {
  const total = plan.rate * plan.seconds;
  const sends: Array<Promise<{ id: string; started: number } | undefined>> = [];
  const window = await costWindow(fleet, pids, redis);
  const begin = Date.now();
  for (let k = 0; k < total; k += 1) {
    const due = begin + (k * 1000) / plan.rate;
    if (due > Date.now()) await sleep(due - Date.now());
    const session = sessions[k % sessions.length]!;
    const started = Date.now();
    const body = { session_id: session.id, to: recipientOf(k), text: `bench message ${k}` };
    sends.push(
      fleet.api('POST', '/api/messages/send', body).then(
        (answer) => (answer.status === 202 ? { id: answer.body.message_id as string, started } : undefined),
        () => undefined,
      ),
    );
  }
  const achievedRate = total / ((Date.now() - begin) / 1000);
  const accepted = (await Promise.all(sends)).filter((entry) => entry !== undefined);
  const { cpu, counts } = await window.untilDelivered(accepted.length, 30_000);
  const records = await recordsOnceSettled(fleet, accepted, (record) => ['delivered', 'read', 'failed'].includes(record.status), 30_000);
  const toSent: number[] = [];
  const toDelivered: number[] = [];
  records.forEach((record, index) => {
    const started = accepted[index]!.started;
    if (record.sent_at) toSent.push(record.sent_at - started);
    if (record.delivered_at) toDelivered.push(record.delivered_at - started);
  });
  return {
    count: total,
    toSent,
    toDelivered,
    failed: records.filter((record) => record.status === 'failed').length + (total - accepted.length),
    missing: records.filter((record) => !record.delivered_at && record.status !== 'failed').length,
    achievedRate,
    cpu,
    counts,
  };
}

/**
 * The known-contact run `passes` times (the same pairs again each time): the figures of the last, after
 * each earlier pass's CPU per message is printed. The earlier passes grow the sessions' key journals as a
 * longer stretch of the same traffic would, so the last pays the journal's compactions at their steady rate.
 */
export async function knownContactPasses(
  fleet: LocalFleet,
  pids: FleetPids,
  redis: Redis,
  sessions: readonly Sender[],
  plan: SendPlan,
  passes: number,
  out: (line: string) => void,
): Promise<SendFigures> {
  let figures = await paceSends(fleet, pids, redis, sessions, plan);
  for (let pass = 2; pass <= passes; pass += 1) {
    const per = (ms: number): string => (ms / Math.max(1, figures.count)).toFixed(2);
    out(`  known contacts, pass ${pass - 1} of ${passes}: Fleet CPU ${per(totalCpu(figures.cpu))} ms per message (worker ${per(figures.cpu.workers)} ms)`);
    figures = await paceSends(fleet, pids, redis, sessions, plan);
  }
  return figures;
}

export interface BurstFigures {
  readonly sessions: number;
  /** Messages each session sent at once. */
  readonly size: number;
  readonly accepted: number;
  readonly toDelivered: number[];
  readonly notDelivered: number;
  /** Sessions whose recipient got the burst in another order than the sessions' send order. */
  readonly outOfOrder: number;
  readonly decryptFailures: number;
  /** Fleet's CPU, Redis commands and write syscalls from the first request until the last delivery. */
  readonly cpu: FleetCpu;
  readonly counts: WorkCounts;
}

/**
 * The burst case: each of `sessions` sends `size` messages at once (all requests in flight together)
 * to one recipient of its own. Every message must be delivered, each recipient must get them in the
 * order the ingress accepted them (the message's `sequence`), and no copy may fail to decrypt.
 */
export async function burstSends(fleet: LocalFleet, pids: FleetPids, redis: Redis, sessions: readonly Sender[], size: number): Promise<BurstFigures> {
  const recipient = (index: number): string => `1555777${String(index).padStart(4, '0')}`;
  const before = new Map((await fleet.simulator.stats()).perAccount.map((account) => [account.phone, account.decryptFailures]));
  const window = await costWindow(fleet, pids, redis);
  const requests = sessions.flatMap((session, index) => Array.from({ length: size }, (_, k) => ({ session, index, k })));
  const answers = await Promise.all(
    requests.map(async ({ session, index, k }) => {
      const started = Date.now();
      const answer = await fleet.api('POST', '/api/messages/send', { session_id: session.id, to: recipient(index), text: `burst ${index}/${k}` });
      return answer.status === 202 ? { id: answer.body.message_id as string, started, session, index } : undefined;
    }),
  );
  const accepted = answers.filter((entry) => entry !== undefined);
  const { cpu, counts } = await window.untilDelivered(accepted.length, 60_000);
  const records = await recordsOnceSettled(fleet, accepted, (record) => Boolean(record.delivered_at) || record.status === 'failed', 60_000);
  const toDelivered = records.flatMap((record, i) => (record.delivered_at ? [record.delivered_at - accepted[i]!.started] : []));
  let outOfOrder = 0;
  await mapLimit(
    sessions.map((session, index) => ({ session, index })),
    16,
    async ({ session, index }) => {
      const mine = accepted.map((entry, i) => ({ entry, record: records[i] })).filter(({ entry }) => entry.index === index);
      const expected = mine.sort((a, b) => a.record.sequence - b.record.sequence).map(({ entry }) => entry.id);
      const got = (await fleet.simulator.sent(session.phone)).filter((m) => m.to === `${recipient(index)}@s.whatsapp.net`).map((m) => m.id);
      if (got.join() !== expected.join()) outOfOrder += 1;
    },
  );
  const after = (await fleet.simulator.stats()).perAccount;
  const decryptFailures = after
    .filter((a) => sessions.some((s) => s.phone === a.phone))
    .reduce((sum, a) => sum + a.decryptFailures - (before.get(a.phone) ?? 0), 0);
  return {
    sessions: sessions.length,
    size,
    accepted: accepted.length,
    toDelivered,
    notDelivered: accepted.length - toDelivered.length,
    outOfOrder,
    decryptFailures,
    cpu,
    counts,
  };
}

export function burstRows(burst: BurstFigures): string {
  return [
    `| burst: ${burst.sessions} sessions × ${burst.size} messages at once to one recipient each | ${burst.accepted} accepted, ${burst.accepted - burst.notDelivered} delivered |`,
    `| burst: API → delivered, p50 / p95 / max | ${ms(percentile(burst.toDelivered, 0.5))} / ${ms(percentile(burst.toDelivered, 0.95))} / ${ms(Math.max(...burst.toDelivered))} ms |`,
    `| burst: recipients that got their burst out of order / copies they could not decrypt | ${burst.outOfOrder} / ${burst.decryptFailures} |`,
  ].join('\n');
}

export function sendRows(label: string, sends: SendFigures, sessions: number, plan: SendPlan): string {
  return [
    `| sends, ${label} | ${sends.count} at ${sends.achievedRate.toFixed(0)}/s paced (target ${plan.rate}/s for ${plan.seconds} s) over ${sessions} sessions |`,
    `| ${label}: API → sent (server ack), p50 / p95 | ${ms(percentile(sends.toSent, 0.5))} / ${ms(percentile(sends.toSent, 0.95))} ms |`,
    `| ${label}: API → delivered (receipt), p50 / p95 / max | ${ms(percentile(sends.toDelivered, 0.5))} / ${ms(percentile(sends.toDelivered, 0.95))} / ${ms(Math.max(...sends.toDelivered))} ms |`,
    `| ${label}: failed / not delivered in 30 s | ${sends.failed} / ${sends.missing} |`,
  ].join('\n');
}

export async function workerMetrics(fleet: LocalFleet): Promise<string> {
  return (await fetch(`${fleet.workerUrl('instance-1')}/metrics`)).text();
}
