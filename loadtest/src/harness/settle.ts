import { mapLimit, sleep } from '../bench/bench-util';
import type { LocalFleet } from './local-fleet';
import type { AcceptedMessage } from './load-client';
import type { Recorder } from './recorder';

export interface SettleResult {
  readonly sent: number;
  readonly delivered: number;
  readonly failed: number;
  /** Accepted but neither sent nor failed when the wait ended. */
  readonly pending: number;
}

const FINAL = new Set(['sent', 'delivered', 'read', 'failed']);

/**
 * Reads every accepted message's record until each has left the queue (sent or failed) or `timeoutMs`
 * passes, then records send latency (request → sent_at, the worker's server-ack time) per message.
 */
export async function settleMessages(fleet: LocalFleet, accepted: ReadonlyMap<string, AcceptedMessage>, recorder: Recorder, timeoutMs = 60_000): Promise<SettleResult> {
  const ids = [...accepted.keys()];
  const records = new Map<string, any>();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = ids.filter((id) => !FINAL.has(records.get(id)?.status));
    await mapLimit(open, 32, async (id) => {
      const answer = await fleet.api('GET', `/api/messages/${id}`).catch(() => undefined);
      if (answer?.status === 200) records.set(id, answer.body);
    });
    if (ids.every((id) => FINAL.has(records.get(id)?.status)) || Date.now() > deadline) break;
    await sleep(1_000);
  }
  let sent = 0;
  let delivered = 0;
  let failed = 0;
  for (const [id, message] of accepted) {
    const record = records.get(id);
    if (typeof record?.sent_at === 'number') {
      sent += 1;
      recorder.record('send', message.startedAt, record.sent_at - message.startedAt);
    }
    if (typeof record?.delivered_at === 'number') delivered += 1;
    if (record?.status === 'failed') {
      failed += 1;
      recorder.error('message_failed', `${id}: ${record.failed_reason}`);
    }
  }
  return { sent, delivered, failed, pending: ids.length - sent - failed };
}
