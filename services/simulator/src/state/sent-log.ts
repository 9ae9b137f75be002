/**
 * The decrypted messages an account sent, capped (oldest dropped first), with O(1) lookup by id, and a
 * per-account sequence so that a reader can follow the log with a cursor (`after`) and learn when
 * records it had not read yet were dropped, instead of mistaking them for messages never sent.
 */
import type { MessageFields } from './message-fields';

export interface SentMessage extends MessageFields {
  id: string;
  /** recipient JID (user, no device), e.g. `15550001111@s.whatsapp.net`, or the group's `…@g.us` */
  to: string;
  /** decrypted text (conversation or extended text), `null` for other message kinds */
  text: string | null;
  /** protobuf message kind, e.g. `conversation`, `extendedTextMessage`, `imageMessage` */
  kind: string;
  /** milliseconds since epoch when the simulator received it */
  timestamp: number;
  status: 'server_ack' | 'delivered' | 'read';
  /** group sends: participants (phones) whose copy could not be decrypted (each asked again) */
  undecryptedBy?: string[];
}

/** A sent message as the log keeps it. */
export interface LoggedMessage extends SentMessage {
  /** position in the account's log: 1 for its first message, +1 for every message received since */
  seq: number;
  /** how many times a message with this id was received (2 or more: the client sent it again) */
  copies: number;
}

/** The records after a cursor, oldest first. */
export interface SentPage {
  messages: LoggedMessage[];
  /** messages ever received by the account (the seq of the latest), copies included */
  total: number;
  /** pass as `after` to read on (the last seq returned, or `after` when nothing was) */
  next: number;
  /** records after `after` were dropped by the cap before this read: the reader missed some */
  truncated: boolean;
}

export class SentLog {
  private readonly byId = new Map<string, LoggedMessage>();
  private seq = 0;
  /** Highest seq the cap dropped (0 = none). */
  private droppedThrough = 0;

  constructor(private readonly capacity: number) {}

  /** Appends a message; an id seen before moves to the end with a new seq and one more copy. */
  add(message: SentMessage): void {
    const previous = this.byId.get(message.id);
    this.byId.delete(message.id);
    this.seq += 1;
    this.byId.set(message.id, { ...message, seq: this.seq, copies: (previous?.copies ?? 0) + 1 });
    if (this.byId.size > this.capacity) {
      const oldest = this.byId.values().next();
      if (!oldest.done) {
        this.byId.delete(oldest.value.id);
        this.droppedThrough = oldest.value.seq;
      }
    }
  }

  get(id: string): LoggedMessage | undefined {
    return this.byId.get(id);
  }

  /** Messages in arrival order; `since` filters by timestamp (inclusive). */
  list(since = 0): LoggedMessage[] {
    const out: LoggedMessage[] = [];
    for (const message of this.byId.values()) if (message.timestamp >= since) out.push({ ...message });
    return out;
  }

  /** At most `limit` records with a seq above `after`, oldest first. */
  after(after: number, limit: number): SentPage {
    const messages: LoggedMessage[] = [];
    if (after < this.seq) {
      for (const message of this.byId.values()) {
        if (message.seq <= after) continue;
        messages.push({ ...message });
        if (messages.length >= limit) break;
      }
    }
    return {
      messages,
      total: this.seq,
      next: messages.at(-1)?.seq ?? after,
      truncated: this.droppedThrough > after,
    };
  }

  /** Messages ever received, copies included (the records kept are at most the capacity). */
  get total(): number {
    return this.seq;
  }

  get size(): number {
    return this.byId.size;
  }

  /** Forgets every record; a reader behind the latest seq is told its next page is truncated. */
  clear(): void {
    this.byId.clear();
    this.droppedThrough = this.seq;
  }
}
