import type { SimulatorClient } from '@fleet/simulator';
import { mapLimit } from '../bench/bench-util';

/** Records per sent-feed page (the simulator's maximum). */
const PAGE = 1000;
/** Accounts read at once in one round. */
const READERS = 8;

/**
 * Follows the simulator's per-account sent logs with a cursor while a run goes on and counts how often
 * each message id arrived, so that the invariant check holds for runs of any length: the simulator keeps
 * only the last 1,000 records per account, and reading after a cursor every few seconds misses none of
 * them. One GET /admin/sent-totals per round says which accounts moved; only those are read. Should the
 * cap ever drop records before they were read, the account is listed in `truncated` and its unreceived
 * messages are reported as unverified, never as lost.
 */
export class SentTracker {
  /** Accounts whose feed dropped records this tracker had not read. */
  readonly truncated = new Set<string>();
  private readonly cursors = new Map<string, number>();
  private readonly copies = new Map<string, number>();
  /** Account + recipient + text → the message ids it arrived under (the harness never sends a text twice). */
  private readonly idsByContent = new Map<string, Set<string>>();
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> = Promise.resolve();
  private failures = 0;

  constructor(private readonly simulator: SimulatorClient) {}

  /** Reads every `everyMs` in the background until stop(). */
  start(everyMs = 5_000): void {
    this.timer = setInterval(() => {
      void this.drain().catch(() => {
        this.failures += 1;
      });
    }, everyMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.round.catch(() => undefined);
  }

  /** How many times the simulator received message `id` (0 = not yet). */
  received(id: string): number {
    return this.copies.get(id) ?? 0;
  }

  /**
   * Message ids received more than once: the same message written again under its own id (a worker
   * crashed between the socket write and recording the server's ack, and the job ran again). WhatsApp
   * delivers one message id once, so the recipient sees it once; reported, not a violation.
   */
  resent(): string[] {
    return [...this.copies.entries()].filter(([, count]) => count > 1).map(([id]) => id);
  }

  /** Ids of messages whose content arrived under more than one message id: a recipient would see it twice. */
  duplicated(): string[] {
    return [...this.idsByContent.values()].filter((ids) => ids.size > 1).flatMap((ids) => [...ids]);
  }

  /** Background rounds that failed (the next round reads on from the same cursors). */
  get failedRounds(): number {
    return this.failures;
  }

  /** One round: reads every account whose total moved past this tracker's cursor. Rounds never overlap. */
  drain(): Promise<void> {
    this.round = this.round.catch(() => undefined).then(() => this.readMoved());
    return this.round;
  }

  private async readMoved(): Promise<void> {
    const totals = await this.simulator.sentTotals();
    const moved = Object.entries(totals)
      .filter(([phone, total]) => total > (this.cursors.get(phone) ?? 0))
      .map(([phone]) => phone);
    await mapLimit(moved, READERS, (phone) => this.readAccount(phone));
  }

  private async readAccount(phone: string): Promise<void> {
    for (;;) {
      const after = this.cursors.get(phone) ?? 0;
      const page = await this.simulator.sentFeed(phone, after, PAGE);
      if (page.truncated) this.truncated.add(phone);
      for (const message of page.messages) {
        this.copies.set(message.id, Math.max(this.received(message.id) + 1, message.copies));
        if (message.text !== null) {
          const content = `${phone}\u0000${message.to}\u0000${message.text}`;
          const ids = this.idsByContent.get(content) ?? new Set<string>();
          this.idsByContent.set(content, ids.add(message.id));
        }
      }
      this.cursors.set(phone, page.next);
      if (page.messages.length < PAGE) return;
    }
  }
}
