import { isJidGroup, jidNormalizedUser, type BinaryNode, type WAMessage, type WAMessageKey, type WAMessageUpdate, type WASocket, type proto } from 'baileys';
import type { Logger } from '@fleet/logger';
import type { MessageContent } from '@fleet/messages';
import type { FileAuthState } from '../../auth-state';
import type { MessageAckStatus, OutgoingMessage, SessionHandlers } from '../types';
import { AckTracker } from './ack-tracker';
import { BoundedCache } from './bounded-cache';
import { baileysDownloader, toIncomingMessage } from './incoming-message';
import { uploadMedia } from './media-upload';
import { ackStatusFromWa, toJid } from './message-mapping';
import type { ResolvedConnectorOptions } from './options';
import { buildMessage, type BuiltMessage } from './outgoing-content';
import type { SessionAgents } from './proxy-agents';

/** Messages sent recently, kept in memory to answer recipients' retry requests without a lookup. */
const RECENT_SENT = { entries: 64, ttlMs: 30 * 60_000 } as const;

export interface SessionMessagesDeps {
  readonly handlers: SessionHandlers;
  readonly store: FileAuthState;
  readonly options: ResolvedConnectorOptions;
  readonly logger: Logger;
  readonly agents?: SessionAgents;
  /** The session's socket now (undefined between sockets). */
  readonly socket: () => WASocket | undefined;
  /** Runs a Baileys event handler, logging what it throws. */
  readonly guard: (label: string, fn: () => void) => void;
}

/**
 * The message traffic of one session, across its sockets: sending (media uploaded first, then the
 * frame in Baileys' processing lane), the statuses that come back (server acks, receipts, each
 * reported once and never backwards), incoming messages, and what was sent, for a recipient's retry
 * request. `BaileysSession` owns the socket's lifecycle and hands each new socket to `wire`.
 */
export class SessionMessages {
  private readonly acks = new AckTracker();
  private readonly recentSent = new BoundedCache(RECENT_SENT.entries, RECENT_SENT.ttlMs);

  constructor(private readonly deps: SessionMessagesDeps) {}

  /** Builds the message (uploading its media); `assertStillOpen` throws when `sock` may no longer send it. */
  async send(sock: WASocket, message: OutgoingMessage, assertStillOpen: () => void): Promise<void> {
    const jid = toJid(message.to);
    const built = await this.build(sock, message.content);
    assertStillOpen();
    await sock.processingMutex.mutex(() =>
      sock.relayMessage(jid, built.message, {
        messageId: message.messageId,
        ...(built.attributes ? { additionalAttributes: built.attributes } : {}),
        // A group's participants' devices are asked for fresh: the cache holds companion devices only.
        ...(isJidGroup(jid) ? { useUserDevicesCache: false } : {}),
      }),
    );
    this.recentSent.set(message.messageId, built.message);
  }

  /** Listens on a new socket for what concerns messages. */
  wire(sock: WASocket): void {
    const { guard } = this.deps;
    sock.ev.on('messages.update', (updates) => guard('messages.update', () => this.onMessagesUpdate(updates)));
    // Receipts of group messages come per participant: delivered (read) once the first participant's phone has it (read it).
    sock.ev.on('message-receipt.update', (updates) =>
      guard('message-receipt.update', () => {
        for (const { key, receipt } of updates) {
          if (!key.fromMe || !key.id) continue;
          if (receipt.readTimestamp || receipt.playedTimestamp) this.report(key.id, 'read');
          else if (receipt.receiptTimestamp) this.report(key.id, 'delivered');
        }
      }),
    );
    sock.ev.on('messages.upsert', ({ messages, type }) => guard('messages.upsert', () => this.onMessagesUpsert(messages, type)));
    sock.ws.on('CB:ack,class:message', (node: BinaryNode) => guard('message ack', () => this.onServerAck(node)));
  }

  /**
   * What was sent as `key.id`, for a recipient that could not decrypt it and asked again (Baileys
   * re-encrypts it on a fresh session): from memory, else rebuilt from what the application sent
   * (media is uploaded again).
   */
  async sentMessage(key: WAMessageKey): Promise<proto.IMessage | undefined> {
    const id = key.id;
    if (!id || !key.fromMe) return undefined;
    const recent = this.recentSent.get<proto.IMessage>(id);
    if (recent) return recent;
    const stored = await this.deps.handlers.outgoing?.(id);
    const sock = this.deps.socket();
    if (!stored || !sock) {
      this.deps.logger.warn('a recipient asked for a message that is no longer kept');
      return undefined;
    }
    return (await this.build(sock, stored.content)).message;
  }

  private build(sock: WASocket, content: MessageContent): Promise<BuiltMessage> {
    const { options } = this.deps;
    return buildMessage(content, this.selfJid(), (media) => {
      if (!options.media) throw new Error('this worker has no media source configured');
      // A session with a proxy uploads through it, as its WebSocket connects through it.
      const agent = this.deps.agents?.media ?? options.mediaAgent;
      return uploadMedia(sock, options.media, media, { timeoutMs: options.mediaUploadTimeoutMs, ...(agent ? { agent } : {}) });
    });
  }

  /** The account's own JID (a user JID, no device part). */
  private selfJid(): string {
    const me = this.deps.store.state.creds.me?.id;
    return me ? jidNormalizedUser(me) : '';
  }

  private onMessagesUpdate(updates: WAMessageUpdate[]): void {
    for (const { key, update } of updates) {
      if (!key.fromMe || !key.id) continue;
      const status = ackStatusFromWa(update.status);
      if (!status) continue;
      const detail = status === 'failed' ? update.messageStubParameters?.[0] : undefined;
      this.report(key.id, status, typeof detail === 'string' ? detail : undefined);
    }
  }

  private onMessagesUpsert(messages: WAMessage[], type: string): void {
    if (type !== 'notify') return;
    const download = baileysDownloader(this.deps.agents?.media ?? this.deps.options.mediaAgent, this.deps.options.mediaUploadTimeoutMs);
    for (const message of messages) {
      const incoming = toIncomingMessage(message, download, this.selfJid());
      if (incoming) this.deps.handlers.onIncomingMessage(incoming);
    }
  }

  /** `<ack class=message>`: the server accepted our message ("sent"), or refused it (`error`). */
  private onServerAck(node: BinaryNode): void {
    const id = node.attrs['id'];
    if (!id) return;
    const error = node.attrs['error'];
    if (error) this.report(id, 'failed', `ack_error_${error}`);
    else this.report(id, 'sent');
  }

  private report(messageId: string, status: MessageAckStatus, detail?: string): void {
    if (this.acks.accept(messageId, status)) this.deps.handlers.onMessageStatus(messageId, status, detail);
  }
}
