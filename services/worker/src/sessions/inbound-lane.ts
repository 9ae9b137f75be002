import type { MediaData } from '@fleet/events';
import type { Logger } from '@fleet/logger';
import type { MessageLedger } from '@fleet/messages';
import type { SessionRecord } from '@fleet/state';
import type { IncomingMedia, IncomingMessage } from '../connector/types';
import type { WorkerMetrics } from '../metrics';
import { SerialQueue } from '../auth-state/serial-queue';
import type { SessionEvents } from './session-events';

/** Where received media goes: downloaded, decrypted, checked against its hash and stored. */
export interface InboundMediaStore {
  /**
   * Stores a received message's media and answers what its event says of it. Never throws for a
   * failed download: the media is then `unavailable` (and retried later, with a
   * `message.media_available` event once stored).
   */
  store(session: Pick<SessionRecord, 'sessionId' | 'workspaceId' | 'accountId'>, messageId: string, media: IncomingMedia): Promise<MediaData>;
}

export interface InboundLaneDeps {
  readonly record: SessionRecord;
  readonly ledger: MessageLedger;
  readonly events: SessionEvents;
  readonly media: InboundMediaStore | undefined;
  readonly metrics: WorkerMetrics;
  readonly logger: Logger;
}

/**
 * A session's received messages, handled one after another in the order they arrived: remembered
 * (so a reply or a reaction can name them), their media stored, then their event appended. A media
 * download holds the messages after it (their events stay in order, per session).
 */
export class InboundLane {
  private readonly queue = new SerialQueue();

  constructor(private readonly deps: InboundLaneDeps) {}

  push(message: IncomingMessage): void {
    this.deps.metrics.sessionEvents.inc({ event: 'message_received', reason: message.kind });
    void this.queue
      .run(() => this.handle(message))
      .catch((error: unknown) => {
        this.deps.logger.warn('a received message could not be recorded', { sessionId: this.deps.record.sessionId, kind: message.kind, error });
      });
  }

  /** Resolves once every message pushed so far is handled. */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  private async handle(message: IncomingMessage): Promise<void> {
    const { record, ledger, events, media } = this.deps;
    if (message.kind !== 'reaction' && message.kind !== 'edit' && message.kind !== 'revoke') {
      await ledger.rememberInbound(record.sessionId, {
        id: message.waMessageId,
        chat: message.chat,
        ...(message.group && !message.fromMe ? { participant: message.from } : {}),
        ...(message.text ? { preview: message.text } : {}),
      });
    }
    const stored = message.media ? await this.storeMedia(message.waMessageId, message.media, media) : undefined;
    await events.received(record, message, stored);
  }

  private async storeMedia(messageId: string, incoming: IncomingMedia, store: InboundMediaStore | undefined): Promise<MediaData> {
    if (store) return store.store(this.deps.record, messageId, incoming);
    // No media store configured on this worker: the event says what the media is, without it.
    return {
      id: '',
      type: incoming.type,
      mimetype: incoming.mimetype,
      size: incoming.size,
      sha256: incoming.sha256,
      ...(incoming.filename ? { filename: incoming.filename } : {}),
      ...(incoming.voice ? { voice: true } : {}),
      status: 'unavailable',
      url: null,
      url_expires_at: null,
    };
  }
}
