import type { MessageAckStatus } from '../types';

const RANK: Record<MessageAckStatus, number> = { failed: 0, sent: 1, delivered: 2, read: 3 };

/**
 * Remembers the last status reported for recent outgoing messages so each status is reported once and
 * never goes backwards (a late server ack after the delivery receipt, a duplicate receipt). Bounded:
 * past `capacity` messages the oldest are forgotten and their later statuses pass through unfiltered.
 */
export class AckTracker {
  private readonly last = new Map<string, MessageAckStatus>();

  constructor(private readonly capacity = 256) {}

  /** True when `status` is news for `messageId` (and records it). */
  accept(messageId: string, status: MessageAckStatus): boolean {
    const previous = this.last.get(messageId);
    if (previous !== undefined) {
      if (status === 'failed' ? previous !== 'sent' : RANK[status] <= RANK[previous] || previous === 'failed') {
        return false;
      }
      this.last.delete(messageId);
    }
    this.last.set(messageId, status);
    if (this.last.size > this.capacity) {
      const oldest = this.last.keys().next();
      if (!oldest.done) this.last.delete(oldest.value);
    }
    return true;
  }
}
