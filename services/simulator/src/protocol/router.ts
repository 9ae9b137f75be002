/** Dispatches the binary nodes a client sends, by tag, to the handler for its connection state. */
import type { BinaryNode } from 'baileys';
import type { Connection } from '../connection/connection';
import type { SimContext } from '../context';
import { handleIq } from './iq-handlers';
import { handleClientMessage } from './client-messages';
import { handleLinkCodeIq } from './link-code';
import { getBinaryNodeChild } from 'baileys';
import { iqResult, stanzaAck } from './nodes';

export async function routeNode(ctx: SimContext, connection: Connection, node: BinaryNode): Promise<void> {
  if (connection.state !== 'authenticated') {
    // a registering socket acks pair-device and may ask to be linked by code; any other query gets an
    // empty answer so the client never waits
    if (node.tag === 'iq' && node.attrs.xmlns === 'md' && getBinaryNodeChild(node, 'link_code_companion_reg')) {
      handleLinkCodeIq(ctx, connection, node);
    } else if (node.tag === 'iq' && (node.attrs.type === 'get' || node.attrs.type === 'set')) {
      connection.send(iqResult(node.attrs.id ?? ''));
    }
    return;
  }
  switch (node.tag) {
    case 'iq':
      handleIq(ctx, connection, node);
      return;
    case 'message':
      await handleClientMessage(ctx, connection, node);
      return;
    case 'receipt':
    case 'notification':
    case 'call':
      if (node.attrs.id) connection.send(stanzaAck(node.tag, node.attrs.id, node.attrs.to ?? connection.device.jid));
      return;
    default:
      // ack, presence, chatstate and anything else need no answer
      return;
  }
}
