/** Builders for the server's binary nodes. All JIDs are full strings; `t` is unix seconds. */
import { S_WHATSAPP_NET } from 'baileys';
import type { BinaryNode } from 'baileys';

export function unixNow(): string {
  return String(Math.floor(Date.now() / 1000));
}

export function iqResult(id: string, content?: BinaryNode[]): BinaryNode {
  const node: BinaryNode = { tag: 'iq', attrs: { id, type: 'result', from: S_WHATSAPP_NET } };
  if (content) node.content = content;
  return node;
}

export function iqError(id: string, code: number, text: string): BinaryNode {
  return iqResultWithType(id, 'error', [{ tag: 'error', attrs: { code: String(code), text } }]);
}

function iqResultWithType(id: string, type: string, content: BinaryNode[]): BinaryNode {
  return { tag: 'iq', attrs: { id, type, from: S_WHATSAPP_NET }, content };
}

export function streamError(code: number, child?: BinaryNode): BinaryNode {
  return { tag: 'stream:error', attrs: { code: String(code) }, ...(child ? { content: [child] } : {}) };
}

/** stream:error conflict/replaced: Baileys maps the `conflict` child to 440. */
export function conflictReplaced(): BinaryNode {
  return { tag: 'stream:error', attrs: {}, content: [{ tag: 'conflict', attrs: { type: 'replaced' } }] };
}

/** Device removed from the phone: 401 with a device_removed conflict, as WhatsApp sends it. */
export function deviceRemoved(): BinaryNode {
  return streamError(401, { tag: 'conflict', attrs: { type: 'device_removed' } });
}

export function failure(reason: number): BinaryNode {
  return { tag: 'failure', attrs: { reason: String(reason), location: 'sim' } };
}

export function messageAck(id: string, from: string, error?: number): BinaryNode {
  const attrs: Record<string, string> = { class: 'message', id, from, t: unixNow() };
  if (error !== undefined) attrs.error = String(error);
  return { tag: 'ack', attrs };
}

export function stanzaAck(tag: string, id: string, from: string): BinaryNode {
  return { tag: 'ack', attrs: { class: tag, id, from } };
}

/** A receipt for messages the client sent to `from`; no type = delivered. In a group, `participant` is the reader. */
export function receipt(ids: string[], from: string, type?: 'read' | 'delivered', participant?: string): BinaryNode {
  const [first, ...rest] = ids;
  const attrs: Record<string, string> = { id: first ?? '', from, t: unixNow() };
  if (participant) attrs.participant = participant;
  if (type === 'read') attrs.type = 'read';
  const node: BinaryNode = { tag: 'receipt', attrs };
  if (rest.length) {
    node.content = [{ tag: 'list', attrs: {}, content: rest.map((id) => ({ tag: 'item', attrs: { id } })) }];
  }
  return node;
}

/**
 * A recipient's phone asking the sender's device to encrypt message `id` again (it could not decrypt
 * it): `<receipt type="retry">` with the attempt count and the phone's registration id, as WhatsApp
 * clients send it. `from` is the recipient (its primary device), or the group with the recipient as
 * `participant`.
 */
export function retryReceipt(id: string, from: string, count: number, registrationId: number, participant?: string): BinaryNode {
  const t = unixNow();
  const registration = Buffer.alloc(4);
  registration.writeUInt32BE(registrationId >>> 0);
  return {
    tag: 'receipt',
    attrs: { id, from, type: 'retry', t, ...(participant ? { participant } : {}) },
    content: [
      { tag: 'retry', attrs: { count: String(count), id, t, v: '1' } },
      { tag: 'registration', attrs: {}, content: registration },
    ],
  };
}

export function offlineMarker(count: number): BinaryNode {
  return { tag: 'ib', attrs: {}, content: [{ tag: 'offline', attrs: { count: String(count) } }] };
}

export function preKeyLowNotification(id: string, count: number): BinaryNode {
  return {
    tag: 'notification',
    attrs: { from: S_WHATSAPP_NET, type: 'encrypt', id, t: unixNow() },
    content: [{ tag: 'count', attrs: { value: String(count) } }],
  };
}

export function childrenOf(node: BinaryNode | undefined): BinaryNode[] {
  return node && Array.isArray(node.content) ? node.content : [];
}

export function firstChild(node: BinaryNode | undefined): BinaryNode | undefined {
  return childrenOf(node)[0];
}

export function contentBuffer(node: BinaryNode | undefined): Buffer | undefined {
  const content = node?.content;
  if (content instanceof Uint8Array) return Buffer.from(content);
  if (typeof content === 'string') return Buffer.from(content, 'utf8');
  return undefined;
}
