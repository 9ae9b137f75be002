/** Dispatches the binary nodes a client sends, by tag, to the handler for its connection state. */
import type { BinaryNode } from 'baileys'
import type { Connection } from '../connection/connection'
import type { SimContext } from '../context'
import { handleIq } from './iq-handlers'
import { handleClientMessage } from './client-messages'
import { iqResult, stanzaAck } from './nodes'

export async function routeNode(ctx: SimContext, connection: Connection, node: BinaryNode): Promise<void> {
  if (connection.state !== 'authenticated') {
    // a registering socket only acks pair-device; answer any query so the client never waits
    if (node.tag === 'iq' && (node.attrs.type === 'get' || node.attrs.type === 'set')) {
      connection.send(iqResult(node.attrs.id ?? ''))
    }
    return
  }
  switch (node.tag) {
    case 'iq':
      handleIq(ctx, connection, node)
      return
    case 'message':
      await handleClientMessage(ctx, connection, node)
      return
    case 'receipt':
    case 'notification':
    case 'call':
      if (node.attrs.id) connection.send(stanzaAck(node.tag, node.attrs.id, node.attrs.to ?? connection.device.jid))
      return
    default:
      // ack, presence, chatstate and anything else need no answer
      return
  }
}
