/**
 * One simulated WhatsApp account (a phone number): its registered companion devices, live sockets,
 * what it sent, what waits to be delivered to it, its faults and counters. Lives as long as the
 * simulator process.
 */
import type { BinaryNode, proto } from 'baileys';
import type { DeviceKeyBundle } from '../signal/peer';
import type { MediaRef } from '../media/verify-sent';
import { SentLog } from './sent-log';
import { InboundIndex } from './inbound-index';
import { noFaults, type Faults } from './faults';

/** The view of a logged-in socket that account state and admin actions need. */
export interface SessionLink {
  readonly id: number;
  readonly device: DeviceRecord;
  readonly openedAt: number;
  send(node: BinaryNode): void;
  /** ends the socket; with a node, sends it first (e.g. a stream:error) */
  terminate(lastNode?: BinaryNode): void;
}

export interface DeviceRecord {
  /** companion device number, >= 1 */
  id: number;
  /** `PHONE:ID@s.whatsapp.net` */
  jid: string;
  /** `LID:ID@lid` */
  lid: string;
  /** base64 of the device's Noise static public key: how logins are authenticated */
  noiseKey: string;
  keys: DeviceKeyBundle;
  appStateKeyShared: boolean;
  /** an encrypt `<count>` notification was sent since the last pre-key upload */
  preKeyLowNotified: boolean;
  registeredAt: number;
  lastLoginAt: number | null;
  logins: number;
}

/** A message for the account's devices, encrypted at delivery time (each device has its own session). */
export interface PendingIncoming {
  id: string;
  /** phone whose Signal store encrypts: a contact, or the account's own phone (fromMe) */
  sender: string;
  /** stanza `from`: the sender's JID, or the group's */
  from: string;
  /** group messages: the author's JID */
  participant?: string;
  /** fromMe outside a group: the contact the account's phone wrote to */
  recipient?: string;
  message: proto.IMessage;
  /** extra stanza attributes (`edit`) */
  attrs?: Record<string, string>;
  pushName?: string;
  plaintext: boolean;
  timestamp: number;
}

export class Account {
  readonly jid: string;
  readonly lidUser: string;
  readonly createdAt = Date.now();
  readonly devices = new Map<number, DeviceRecord>();
  readonly sessions = new Set<SessionLink>();
  readonly sent: SentLog;
  /** what the simulator delivered to the account, by id (targets of reactions, replies, edits, revokes) */
  readonly inbound: InboundIndex;
  /** verified media of sent messages, by message id (bounded like the sent log) */
  readonly sentMedia = new Map<string, MediaRef>();
  readonly pendingIncoming: PendingIncoming[] = [];
  faults: Faults = noFaults();
  autoReadMs: number | null = null;
  maxConcurrent = 0;
  conflicts = 0;
  messagesReceived = 0;
  messagesDelivered = 0;
  /** copies of this account's messages the recipient could not decrypt (reused counter or key, no copy) */
  decryptFailures = 0;
  /** retry receipts the recipients sent this account's devices */
  retryReceipts = 0;
  /** copies of an already decrypted message id (the sender resent it) */
  duplicates = 0;
  /** decrypted sent messages by type (`text`, `image`, `reaction`, …), first copies only */
  readonly sentByType: Record<string, number> = {};
  /** blobs this account's devices uploaded to the media host */
  mediaUploads = 0;
  /** sent media messages whose blob could not be fetched or verified */
  mediaFailures = 0;
  /** message id → retry receipts asked for it so far (bounded, oldest forgotten) */
  readonly retriesAsked = new Map<string, number>();
  logins = 0;
  private nextDeviceId = 1;

  constructor(
    readonly phone: string,
    private readonly sentCapacity: number,
    lidUser: string,
  ) {
    this.jid = `${phone}@s.whatsapp.net`;
    this.lidUser = lidUser;
    this.sent = new SentLog(sentCapacity);
    this.inbound = new InboundIndex(sentCapacity);
  }

  /** Remembers a verified sent blob (the oldest forgotten past the sent log's capacity). */
  rememberMedia(id: string, ref: MediaRef): void {
    this.sentMedia.delete(id);
    this.sentMedia.set(id, ref);
    if (this.sentMedia.size > this.sentCapacity) this.sentMedia.delete(this.sentMedia.keys().next().value as string);
  }

  allocateDeviceId(): number {
    return this.nextDeviceId++;
  }

  /** Sockets currently logged in on a device. */
  sessionsOf(deviceId: number): SessionLink[] {
    const out: SessionLink[] = [];
    for (const session of this.sessions) if (session.device.id === deviceId) out.push(session);
    return out;
  }

  attach(session: SessionLink): void {
    this.sessions.add(session);
    this.logins += 1;
    if (this.sessions.size > this.maxConcurrent) this.maxConcurrent = this.sessions.size;
  }

  detach(session: SessionLink): void {
    this.sessions.delete(session);
  }
}
