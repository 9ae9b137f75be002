/**
 * One simulated WhatsApp account (a phone number): its registered companion devices, live sockets,
 * what it sent, what waits to be delivered to it, its faults and counters. Lives as long as the
 * simulator process.
 */
import type { BinaryNode } from 'baileys'
import type { DeviceKeyBundle } from '../signal/peer'
import { SentLog } from './sent-log'
import { noFaults, type Faults } from './faults'

/** The view of a logged-in socket that account state and admin actions need. */
export interface SessionLink {
  readonly id: number
  readonly device: DeviceRecord
  readonly openedAt: number
  send(node: BinaryNode): void
  /** ends the socket; with a node, sends it first (e.g. a stream:error) */
  terminate(lastNode?: BinaryNode): void
}

export interface DeviceRecord {
  /** companion device number, >= 1 */
  id: number
  /** `PHONE:ID@s.whatsapp.net` */
  jid: string
  /** `LID:ID@lid` */
  lid: string
  /** base64 of the device's Noise static public key: how logins are authenticated */
  noiseKey: string
  keys: DeviceKeyBundle
  appStateKeyShared: boolean
  /** an encrypt `<count>` notification was sent since the last pre-key upload */
  preKeyLowNotified: boolean
  registeredAt: number
  lastLoginAt: number | null
  logins: number
}

export interface PendingIncoming {
  from: string
  text: string
  id: string
  pushName?: string
  plaintext: boolean
  timestamp: number
}

export class Account {
  readonly jid: string
  readonly lidUser: string
  readonly createdAt = Date.now()
  readonly devices = new Map<number, DeviceRecord>()
  readonly sessions = new Set<SessionLink>()
  readonly sent: SentLog
  readonly pendingIncoming: PendingIncoming[] = []
  faults: Faults = noFaults()
  autoReadMs: number | null = null
  maxConcurrent = 0
  conflicts = 0
  messagesReceived = 0
  messagesDelivered = 0
  /** copies of this account's messages the recipient could not decrypt (reused counter or key, no copy) */
  decryptFailures = 0
  /** retry receipts the recipients sent this account's devices */
  retryReceipts = 0
  /** copies of an already decrypted message id (the sender resent it) */
  duplicates = 0
  /** message id → retry receipts asked for it so far (bounded, oldest forgotten) */
  readonly retriesAsked = new Map<string, number>()
  logins = 0
  private nextDeviceId = 1

  constructor(readonly phone: string, sentCapacity: number, lidUser: string) {
    this.jid = `${phone}@s.whatsapp.net`
    this.lidUser = lidUser
    this.sent = new SentLog(sentCapacity)
  }

  allocateDeviceId(): number {
    return this.nextDeviceId++
  }

  /** Sockets currently logged in on a device. */
  sessionsOf(deviceId: number): SessionLink[] {
    const out: SessionLink[] = []
    for (const session of this.sessions) if (session.device.id === deviceId) out.push(session)
    return out
  }

  attach(session: SessionLink): void {
    this.sessions.add(session)
    this.logins += 1
    if (this.sessions.size > this.maxConcurrent) this.maxConcurrent = this.sessions.size
  }

  detach(session: SessionLink): void {
    this.sessions.delete(session)
  }
}
