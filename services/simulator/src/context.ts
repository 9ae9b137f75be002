/** Everything a connection or admin action needs, shared by one simulator instance. */
import { randomBytes } from 'node:crypto'
import type { ResolvedOptions } from './options'
import { Registry } from './state/registry'
import { CredsPool } from '@fleet/signal-crypto'
import { IdGenerator } from './util/ids'
import { buildCertChain } from './transport/noise-server'
import { generateKeyPair, type KeyPair } from './transport/x25519'

export interface Counters {
  socketsOpen: number
  socketsTotal: number
  handshakeFailures: number
  logins: number
  loginFailures: number
  conflicts: number
  messagesReceived: number
  messagesDelivered: number
  messagesQueued: number
  rateLimited: number
  /** copies a recipient could not decrypt (each answered with a retry receipt) */
  decryptFailures: number
  retryReceipts: number
  /** copies of a message id the recipient had already decrypted */
  duplicates: number
  /** usync queries asking for device lists (a client asks before writing to users it does not know yet) */
  deviceQueries: number
}

export interface SimContext {
  readonly options: ResolvedOptions
  readonly registry: Registry
  /** Signal identities made ahead for simulated users (contacts, scanning phones). */
  readonly identities: CredsPool
  readonly ids: IdGenerator
  readonly counters: Counters
  /** The server's Noise static key, made (and its private half imported) once for every handshake. */
  readonly staticKey: KeyPair
  readonly certificate: Uint8Array
  readonly startedAt: number
}

export function createContext(options: ResolvedOptions): SimContext {
  const staticKey = generateKeyPair()
  const identities = new CredsPool({ size: options.identityPoolSize, checkMs: options.identityPoolCheckMs })
  return {
    options,
    registry: new Registry(options.maxSentPerAccount, identities),
    identities,
    ids: new IdGenerator(),
    counters: {
      socketsOpen: 0, socketsTotal: 0, handshakeFailures: 0, logins: 0, loginFailures: 0, conflicts: 0,
      messagesReceived: 0, messagesDelivered: 0, messagesQueued: 0, rateLimited: 0, decryptFailures: 0, retryReceipts: 0, duplicates: 0, deviceQueries: 0,
    },
    staticKey,
    certificate: buildCertChain(staticKey.public, randomBytes),
    startedAt: Date.now(),
  }
}
