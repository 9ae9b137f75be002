/** JSON shapes of the admin API, shared by the in-process API, the HTTP routes and SimulatorClient. */
import type { Counters } from '../context'
import type { Faults } from '../state/faults'
import type { LoggedMessage, SentMessage, SentPage } from '../state/sent-log'

export type { Faults, LoggedMessage, SentMessage, SentPage }

export interface StartedSimulator {
  /** `ws://HOST:PORT/ws/chat`, for Baileys' `waWebSocketUrl` */
  wsUrl: string
  /** `http://HOST:PORT/admin` */
  adminUrl: string
  port: number
}

export interface PendingQr {
  /** the ref the client is most likely showing now (first ref 60 s, then 20 s each) */
  currentRef: string
  refs: string[]
  /** `ref,noiseKey,identityKey` of the current ref: the QR minus the adv secret only the client knows */
  qrPrefix: string
  ageMs: number
  scanned: boolean
}

export interface ScanRequest {
  /** the full QR string the client emitted (`ref,noiseKey,identityKey,advSecret`) */
  qr: string
  /** phone number of the virtual phone that scans, digits only */
  phone: string
}

export interface ScanResult {
  phone: string
  deviceId: number
  jid: string
}

export interface DeviceInfo {
  id: number
  jid: string
  registeredAt: number
  lastLoginAt: number | null
  logins: number
  preKeys: number
  appStateKeyShared: boolean
  connected: boolean
}

export interface AccountSummary {
  phone: string
  devices: number
  connections: number
  maxConcurrent: number
  conflicts: number
  messagesReceived: number
  messagesDelivered: number
  /** copies of this account's messages its recipients could not decrypt; 0 unless a Signal state was reused */
  decryptFailures: number
  /** retry receipts sent to this account's devices (one per failed copy, up to five per message) */
  retryReceipts: number
  /** copies of an already delivered message id (resent after a lost ack); the phone ignored them */
  duplicates: number
}

export interface AccountDetails extends AccountSummary {
  jid: string
  createdAt: number
  logins: number
  queuedIncoming: number
  sentStored: number
  autoReadMs: number | null
  faults: Faults
  deviceList: DeviceInfo[]
}

export interface IncomingRequest {
  /** sender: digits or a `@s.whatsapp.net` JID */
  from: string
  text: string
  /** send a `<plaintext>` node instead of a Signal-encrypted one (cheap, for load tests) */
  plaintext?: boolean
  pushName?: string
  /** message id; generated when absent */
  id?: string
}

export interface IncomingResult {
  id: string
  outcome: 'delivered' | 'queued'
}

export interface ReceiptRequest {
  messageIds: string[]
  type: 'read' | 'delivered'
}

export interface SentFeedQuery {
  /** the last seq already read (0 = from the start) */
  after: number
  /** most records returned. Default and maximum 1000. */
  limit: number
}

/** Messages ever received per account (phone → total), copies included: what a cursor reader compares to. */
export interface SentTotals {
  totals: Record<string, number>
}

export interface FaultsRequest {
  dropPings?: boolean
  delayMs?: number
  rateLimitSends?: boolean
  failLogin?: number | null
  /** one-shot: close the account's live sockets with this code now */
  disconnect?: 428 | 440 | 401 | 515
  /**
   * one-shot: every simulated contact forgets its Signal sessions with the account's devices (a phone
   * reinstalled, a lost state): the next message from the account fails to decrypt and is asked again
   */
  forgetSessions?: boolean
}

export interface FaultsResult {
  faults: Faults
  /** sockets closed by `disconnect` */
  disconnected: number
  /** Signal sessions the contacts forgot (`forgetSessions`) */
  sessionsForgotten: number
}

export interface SettingsRequest {
  /** read receipt this long after each sent message; null turns it off (falls back to the global option) */
  autoReadMs?: number | null
}

/** The simulator's counters plus what is derived from its state at the time of the call. */
export interface StatsSnapshot extends Counters {
  uptimeMs: number
  accounts: number
  pendingQrs: number
  /** Signal identities made ahead for simulated users, ready to hand out. */
  identitiesReady: number
  perAccount: AccountSummary[]
}

export interface ErrorBody {
  error: { code: string; message: string; context?: Record<string, unknown> }
}
