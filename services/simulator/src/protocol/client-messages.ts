/**
 * `<message>` stanzas a client sends. Each `<to>` recipient's copy is decrypted with that simulated user's
 * Signal store and recorded on the account; the copy for the account's own phone is not decrypted. The
 * server then acks (or refuses with 429 under the rate-limit fault) and sends a delivery receipt; a read
 * receipt follows when auto-read is on.
 */
import { getBinaryNodeChild, getBinaryNodeChildren, jidDecode } from 'baileys'
import type { BinaryNode, proto } from 'baileys'
import type { Connection } from '../connection/connection'
import type { SimContext } from '../context'
import type { Account } from '../state/account'
import type { SentMessage } from '../state/sent-log'
import { contentBuffer, messageAck, receipt } from './nodes'
import type { CipherType } from '../signal/peer'

interface Copy {
  jid: string
  type: CipherType
  ciphertext: Buffer
}

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
  if (!isPeerMessage && recipient?.server === 's.whatsapp.net') {
    const copy = copiesFor(node).find(candidate => jidDecode(candidate.jid)?.user === recipient.user)
    await recordSent(ctx, connection, account, id, `${recipient.user}@s.whatsapp.net`, copy)
  }
  connection.send(messageAck(id, to))
  if (isPeerMessage) return
  if (ctx.options.deliveryReceipts) {
    connection.send(receipt([id], to))
    markStatus(account, [id], 'delivered')
  }
  const autoReadMs = account.autoReadMs ?? ctx.options.autoReadReceiptMs
  if (autoReadMs !== null) scheduleRead(connection, account, id, to, autoReadMs)
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

async function recordSent(ctx: SimContext, connection: Connection, account: Account, id: string, to: string, copy?: Copy): Promise<void> {
  let message: proto.Message | undefined
  if (copy) {
    const phone = jidDecode(copy.jid)?.user ?? ''
    try {
      message = await ctx.registry.peer(phone).decrypt(connection.device.jid, copy.type, copy.ciphertext)
    } catch (error) {
      ctx.counters.decryptFailures += 1
      ctx.options.logger.warn('could not decrypt a sent message', { connection: connection.id, error: String(error) })
    }
  }
  account.messagesReceived += 1
  ctx.counters.messagesReceived += 1
  const record: SentMessage = {
    id,
    to,
    text: message ? textOf(message) : null,
    kind: message ? kindOf(message) : 'undecryptable',
    timestamp: Date.now(),
    status: 'server_ack',
  }
  account.sent.add(record)
}

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

