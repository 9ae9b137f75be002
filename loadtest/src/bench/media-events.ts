import type { LocalFleet } from '../harness/local-fleet';
import { sleep } from './bench-util';

/** The largest page `GET /api/events` gives. */
const PAGE = 1000;

/** What the events say of one received media message. */
export interface ReceivedMedia {
  /** When its media was stored (`occurred_at` of the event that said `available`), ms. */
  readonly availableAt: number | undefined;
  readonly sha256: string | undefined;
  readonly size: number | undefined;
}

/**
 * Follows the events of a few workspaces through `GET /api/events` (a cursor each), the way an app
 * catching up reads them, and keeps what the media bench waits for: when each message was delivered
 * (or failed) and when each received message's media became available. One request per workspace a
 * poll, so following costs the ingress next to nothing; times are the events' `occurred_at` (when
 * Fleet recorded them), not when the poll saw them.
 */
export class EventFeed {
  private readonly cursors = new Map<number, number>();
  /** message id → `occurred_at` of its first `message.delivered` or `message.read`. */
  readonly delivered = new Map<string, number>();
  /** message id → failure reason. */
  readonly failed = new Map<string, string>();
  /** message id of a received message → its media as the events describe it. */
  readonly received = new Map<string, ReceivedMedia>();

  constructor(
    private readonly fleet: Pick<LocalFleet, 'api'>,
    workspaces: readonly number[],
  ) {
    for (const workspace of workspaces) this.cursors.set(workspace, 0);
  }

  /** Skips every event recorded so far (pairing, warm-up). */
  async skipToNow(): Promise<void> {
    for (const workspace of this.cursors.keys()) {
      const answer = await this.fleet.api('GET', `/api/events?workspace_id=${workspace}&since=0&limit=1`);
      if (answer.status !== 200) throw new Error(`events of workspace ${workspace}: ${answer.status} ${JSON.stringify(answer.body)}`);
      this.cursors.set(workspace, answer.body.latest_sequence as number);
    }
  }

  /** Reads every workspace's new events once. */
  async poll(): Promise<void> {
    for (const [workspace, since] of this.cursors) {
      let cursor = since;
      for (;;) {
        const answer = await this.fleet.api('GET', `/api/events?workspace_id=${workspace}&since=${cursor}&limit=${PAGE}`);
        if (answer.status !== 200) throw new Error(`events of workspace ${workspace}: ${answer.status} ${JSON.stringify(answer.body)}`);
        for (const event of answer.body.events as Array<{ type: string; occurred_at: number; data: any }>) this.take(event);
        cursor = answer.body.next_since as number;
        if ((answer.body.events as unknown[]).length < PAGE) break;
      }
      this.cursors.set(workspace, cursor);
    }
  }

  /**
   * Polls every `intervalMs` until `done()` holds; false when `timeoutMs` ran out first (the caller
   * reports what is missing rather than failing the whole run).
   */
  async until(done: () => boolean, timeoutMs: number, intervalMs = 1_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await this.poll();
      if (done()) return true;
      if (Date.now() > deadline) return false;
      await sleep(intervalMs);
    }
  }

  private take(event: { type: string; occurred_at: number; data: any }): void {
    const id = event.data?.message_id as string | undefined;
    if (!id) return;
    switch (event.type) {
      case 'message.delivered':
      case 'message.read':
        if (!this.delivered.has(id)) this.delivered.set(id, event.occurred_at);
        break;
      case 'message.failed':
        this.failed.set(id, String(event.data.reason ?? 'failed'));
        break;
      case 'message.received':
      case 'message.media_available': {
        const media = event.data.media as { status?: string; sha256?: string; size?: number } | undefined;
        if (!media) break;
        const available = media.status === 'available';
        const known = this.received.get(id);
        if (known?.availableAt !== undefined) break;
        this.received.set(id, { availableAt: available ? event.occurred_at : undefined, sha256: media.sha256, size: media.size });
        break;
      }
      default:
        break;
    }
  }
}
