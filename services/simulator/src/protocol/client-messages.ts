/**
 * `<message>` stanzas a client sends. The server acks every stanza it accepts (or refuses with 429 under
 * the rate-limit fault); it cannot read them. The recipient's copy is then decrypted with that simulated
 * user's Signal store, as the recipient's phone would: a copy it cannot decrypt (a reused chain counter, a
 * consumed pre-key, a missing copy) is counted on the sending account and answered with a retry receipt,
 * never with a delivery receipt, exactly as WhatsApp's clients do; the sender must encrypt it again. A copy
 * that decrypts is delivered once (a repeated id is a duplicate the phone ignores, counted) and a read
 * receipt follows when auto-read is on. The copy for the account's own phone is not decrypted.
 */
import { getBinaryNodeChild, getBinaryNodeChildren, jidDecode } from 'baileys'
import type { BinaryNode, proto } from 'baileys'
import type { Connection } from '../connection/connection'
import type { SimContext } from '../context'
import type { Account } from '../state/account'
import type { SentMessage } from '../state/sent-log'
import { contentBuffer, messageAck, receipt, retryReceipt } from './nodes'
import type { CipherType } from '../signal/peer'

interface Copy {
  jid: string
  type: CipherType
  ciphertext: Buffer
}

/** What the recipient's phone made of a copy. */
type CopyOutcome = 'decrypted' | 'duplicate' | 'undecryptable'

/** A phone asks for a message again at most this many times (WhatsApp's clients give up after five). */
const MAX_RETRY_RECEIPTS = 5

export async function handleClientMessage(ctx: SimContext, connection: Connection, node: BinaryNode): Promise<void> {
  const account = connection.account
  const id = node.attrs.id
  const to = node.attrs.to
  if (!account || !id || !to) return
  if (account.faults.rateLimitSends) {
    ctx.counters.rateLimited += 1
    connection.send(messageAck(id, to, 429))
    return
  }
  const recipient = jidDecode(to)
  const isPeerMessage = node.attrs.category === 'peer' || recipient?.user === account.phone
  connection.send(messageAck(id, to))
  if (isPeerMessage || recipient?.server !== 's.whatsapp.net') return
  const userJid = `${recipient.user}@s.whatsapp.net`
  const copy = copiesFor(node).find(candidate => jidDecode(candidate.jid)?.user === recipient.user)
  const outcome = await recordSent(ctx, connection, account, id, userJid, copy)
  if (outcome === 'undecryptable') {
    askAgain(ctx, connection, account, id, userJid)
    return
  }
  if (ctx.options.deliveryReceipts) {
    connection.send(receipt([id], userJid))
    markStatus(account, [id], 'delivered')
  }
  const autoReadMs = account.autoReadMs ?? ctx.options.autoReadReceiptMs
  if (autoReadMs !== null && outcome === 'decrypted') scheduleRead(connection, account, id, userJid, autoReadMs)
}

function copiesFor(node: BinaryNode): Copy[] {
  const copies: Copy[] = []
  for (const target of getBinaryNodeChildren(getBinaryNodeChild(node, 'participants'), 'to')) {
    const enc = getBinaryNodeChild(target, 'enc')
    const ciphertext = contentBuffer(enc)
    const type = enc?.attrs.type
    if (target.attrs.jid && ciphertext && (type === 'pkmsg' || type === 'msg')) {
      copies.push({ jid: target.attrs.jid, type, ciphertext })
    }
  }
  return copies
}

async function recordSent(ctx: SimContext, connection: Connection, account: Account, id: string, to: string, copy?: Copy): Promise<CopyOutcome> {
  const previous = account.sent.get(id)
  let message: proto.Message | undefined
  if (copy) {
    const phone = jidDecode(copy.jid)?.user ?? ''
    try {
      message = await ctx.registry.peer(phone).decrypt(connection.device.jid, copy.type, copy.ciphertext)
    } catch (error) {
      ctx.options.logger.warn('could not decrypt a sent message', { connection: connection.id, error: String(error) })
    }
  }
  account.messagesReceived += 1
  ctx.counters.messagesReceived += 1
  if (previous && previous.kind !== 'undecryptable') {
    // The phone has this id already: a duplicate it ignores (the sender resent after a lost ack).
    account.duplicates += 1
    ctx.counters.duplicates += 1
    account.sent.add({ ...previous, timestamp: Date.now() })
    return 'duplicate'
  }
  if (!message) {
    account.decryptFailures += 1
    ctx.counters.decryptFailures += 1
  }
  const record: SentMessage = {
    id,
    to,
    text: message ? textOf(message) : null,
    kind: message ? kindOf(message) : 'undecryptable',
    timestamp: Date.now(),
    status: 'server_ack',
  }
  account.sent.add(record)
  return message ? 'decrypted' : 'undecryptable'
}

/** The recipient's phone could not decrypt `id`: it asks the sender's device for it again (a retry receipt). */
function askAgain(ctx: SimContext, connection: Connection, account: Account, id: string, from: string): void {
  const count = (account.retriesAsked.get(id) ?? 0) + 1
  account.retriesAsked.delete(id)
  account.retriesAsked.set(id, count)
  if (account.retriesAsked.size > RETRY_MEMORY) account.retriesAsked.delete(account.retriesAsked.keys().next().value as string)
  if (count > MAX_RETRY_RECEIPTS) return
  const peer = ctx.registry.peer(jidDecode(from)?.user ?? '')
  account.retryReceipts += 1
  ctx.counters.retryReceipts += 1
  connection.send(retryReceipt(id, from, count, peer.registrationId))
}

/** How many message ids an account remembers retry counts for. */
const RETRY_MEMORY = 1024

/** Text of a conversation or extended text message. Decoded protobufs keep defaults on the prototype, so own properties only. */
export function textOf(message: proto.IMessage): string | null {
  const own = (object: object | null | undefined, key: string): boolean => !!object && Object.prototype.hasOwnProperty.call(object, key)
  if (own(message, 'conversation') && typeof message.conversation === 'string') return message.conversation
  const extended = message.extendedTextMessage
  if (own(extended, 'text') && typeof extended?.text === 'string') return extended.text
  return null
}

function kindOf(message: proto.Message): string {
  const json = message.toJSON() as Record<string, unknown>
  return Object.keys(json).find(key => key !== 'messageContextInfo') ?? 'empty'
}

export function markStatus(account: Account, ids: string[], status: 'delivered' | 'read'): void {
  for (const id of ids) {
    const record = account.sent.get(id)
    if (record && (record.status !== 'read')) record.status = status
  }
}

function scheduleRead(connection: Connection, account: Account, id: string, to: string, delayMs: number): void {
  setTimeout(() => {
    connection.send(receipt([id], to, 'read'))
    markStatus(account, [id], 'read')
  }, delayMs).unref()
}

