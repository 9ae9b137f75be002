import type { LocalFleet } from './local-fleet';
import type { AcceptedMessage } from './load-client';
import { Poller } from './poller';
import type { Recorder } from './recorder';

export interface SettleResult {
  readonly sent: number;
  readonly delivered: number;
  readonly failed: number;
  /** Accepted but neither sent nor failed when the wait ended. */
  readonly pending: number;
  /** Time from the first send request to the last sent_at (ms); 0 when nothing was sent. */
  readonly spanMs: number;
}

const FINAL = new Set(['sent', 'delivered', 'read', 'failed']);
/** GET /api/messages/{id} in flight at once while settling (after the measured phase). */
const READERS = 16;
/** Settling ends when no message left the queue for this long, or after MAX_SETTLE_MS in all. */
const STALL_MS = 60_000;
const MAX_SETTLE_MS = 15 * 60_000;

/**
 * Reads every accepted message's record until each has left the queue (sent or failed), then records send
 * latency (request → sent_at, the worker's server-ack time) per message. A backlog is waited for as long
 * as it drains (so that a fleet behind its load is measured, not cut off): the wait ends only after
 * `stallMs` without any message leaving the queue. Each record is read once when it is already final
 * (the usual case once the run is over), else again with backoff (0.5 s up to 5 s); 16 reads in flight.
 */
export async function settleMessages(
  fleet: LocalFleet,
  accepted: ReadonlyMap<string, AcceptedMessage>,
  recorder: Recorder,
  stallMs = STALL_MS,
): Promise<SettleResult> {
  const poller = new Poller({ maxInFlight: READERS, maxPerSecond: Infinity });
  const records = new Map<string, any>();
  let settled = 0;
  let lastProgress = Date.now();
  const watchdog = setInterval(() => {
    if (Date.now() - lastProgress > stallMs) poller.cancel();
  }, 1_000);
  try {
    await Promise.all(
      [...accepted.keys()].map((id) =>
        poller.wait(
          async () => {
            const answer = await fleet.api('GET', `/api/messages/${id}`);
            if (answer.status !== 200) return undefined;
            records.set(id, answer.body);
            if (!FINAL.has(answer.body.status)) return undefined;
            settled += 1;
            lastProgress = Date.now();
            return true;
          },
          { timeoutMs: MAX_SETTLE_MS, firstDelayMs: 0, retryDelayMs: 500, maxDelayMs: 5_000 },
        ),
      ),
    );
  } finally {
    clearInterval(watchdog);
  }
  if (settled < accepted.size) recorder.error('settle_stalled', `${accepted.size - settled} messages still queued after ${stallMs / 1000} s without progress`);
  let sent = 0;
  let delivered = 0;
  let failed = 0;
  let first = Infinity;
  let last = -Infinity;
  for (const [id, message] of accepted) {
    const record = records.get(id);
    first = Math.min(first, message.startedAt);
    if (typeof record?.sent_at === 'number') {
      sent += 1;
      last = Math.max(last, record.sent_at);
      recorder.record('send', message.startedAt, record.sent_at - message.startedAt);
    }
    if (typeof record?.delivered_at === 'number') delivered += 1;
    if (record?.status === 'failed') {
      failed += 1;
      recorder.error('message_failed', `${id}: ${record.failed_reason}`);
    }
  }
  return { sent, delivered, failed, pending: accepted.size - sent - failed, spanMs: sent > 0 ? last - first : 0 };
}
