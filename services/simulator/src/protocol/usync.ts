/**
 * USync answers. Every simulated user exists, is on WhatsApp, has only its phone (device 0), no status
 * and no disappearing mode. Only the protocols named in `<query>` are answered, as the client expects.
 */
import { getBinaryNodeChild } from 'baileys'
import type { BinaryNode } from 'baileys'
import type { SimContext } from '../context'
import { childrenOf, contentBuffer, iqResult, unixNow } from './nodes'

export function answerUsync(ctx: SimContext, iq: BinaryNode): BinaryNode {
  const usync = getBinaryNodeChild(iq, 'usync')
  const protocols = childrenOf(getBinaryNodeChild(usync, 'query')).map(child => child.tag)
  if (protocols.includes('devices')) ctx.counters.deviceQueries += 1
  const users = childrenOf(getBinaryNodeChild(usync, 'list')).map(user => userResult(user, protocols))
  return iqResult(iq.attrs.id ?? '', [{
    tag: 'usync',
    attrs: { sid: usync?.attrs.sid ?? '', index: '0', last: 'true', mode: usync?.attrs.mode ?? 'query', context: usync?.attrs.context ?? 'interactive' },
    content: [
      { tag: 'result', attrs: {}, content: [] },
      { tag: 'list', attrs: {}, content: users },
    ],
  }])
}

function userResult(user: BinaryNode, protocols: string[]): BinaryNode {
  const jid = user.attrs.jid ?? phoneToJid(user)
  const content: BinaryNode[] = []
  for (const protocol of protocols) {
    const answer = protocolAnswer(protocol)
    if (answer) content.push(answer)
  }
  return { tag: 'user', attrs: { jid }, content }
}

function protocolAnswer(protocol: string): BinaryNode | undefined {
  switch (protocol) {
    case 'devices':
      return {
        tag: 'devices',
        attrs: {},
        content: [
          { tag: 'device-list', attrs: {}, content: [{ tag: 'device', attrs: { id: '0' } }] },
          { tag: 'key-index-list', attrs: { ts: unixNow() } },
        ],
      }
    case 'contact':
      return { tag: 'contact', attrs: { type: 'in' } }
    case 'status':
      return { tag: 'status', attrs: { t: '0', code: '401' } }
    case 'disappearing_mode':
      return { tag: 'disappearing_mode', attrs: { duration: '0', t: '0' } }
    default:
      return undefined
  }
}

/** A contact-protocol user carries a phone number (`+1 555 ...`) instead of a jid. */
function phoneToJid(user: BinaryNode): string {
  const contact = getBinaryNodeChild(user, 'contact')
  const digits = (contentBuffer(contact)?.toString('utf8') ?? '').replace(/\D/g, '')
  return `${digits}@s.whatsapp.net`
}
