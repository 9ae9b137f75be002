/**
 * Messages for an account's devices: from simulated users (1:1 or in a group), or from the account's own
 * phone (fromMe). Each sender encrypts with its own Signal store, building a session from the pre-keys the
 * device uploaded (each used pre-key is dropped; when few are left the device gets an encrypt `<count>`
 * notification and uploads more). In a group the sender's key goes to the device once (a pkmsg/msg with a
 * SenderKeyDistributionMessage) and the message itself is an `skmsg`, in the same stanza, as WhatsApp sends
 * it. Without a logged-in socket the message waits in the account's queue until the next login.
 */
import type { BinaryNode, proto } from 'baileys';
import { proto as protoRoot } from 'baileys';
import type { Connection } from '../connection/connection';
import type { SimContext } from '../context';
import type { Account, PendingIncoming, SessionLink } from '../state/account';
import type { SimPeer } from '../signal/peer';
import { preKeyLowNotification, unixNow } from './nodes';

export type DeliveryOutcome = 'delivered' | 'queued';

export async function deliverIncoming(ctx: SimContext, account: Account, item: PendingIncoming): Promise<DeliveryOutcome> {
  const targets = readySessions(account);
  if (!targets.length) {
    account.pendingIncoming.push(item);
    if (account.pendingIncoming.length > ctx.options.maxQueuedIncoming) account.pendingIncoming.shift();
    ctx.counters.messagesQueued += 1;
    return 'queued';
  }
  for (const session of targets) await deliverTo(ctx, session as Connection, item);
  return 'delivered';
}

/** The newest ready socket of each device. */
function readySessions(account: Account): SessionLink[] {
  const byDevice = new Map<number, SessionLink>();
  for (const session of account.sessions) {
    if ((session as Connection).ready) byDevice.set(session.device.id, session);
  }
  return [...byDevice.values()];
}

export async function deliverTo(ctx: SimContext, connection: Connection, item: PendingIncoming): Promise<void> {
  const attrs: Record<string, string> = {
    from: item.from,
    id: item.id,
    t: String(Math.floor(item.timestamp / 1000)),
    ...(item.participant ? { participant: item.participant } : {}),
    ...(item.recipient ? { recipient: item.recipient } : {}),
    ...(item.pushName ? { notify: item.pushName } : {}),
    ...item.attrs,
  };
  const sender = ctx.registry.peer(item.sender);
  let node: BinaryNode;
  if (item.plaintext) node = plaintextMessageNode(item.from, item.message, attrs);
  else if (item.participant) node = await groupMessageNode(sender, connection, item.message, attrs);
  else node = await encryptedMessageNode(sender, connection, item.message, attrs);
  connection.send(node);
  if (!item.plaintext) checkPreKeys(ctx, connection);
  if (connection.account) connection.account.messagesDelivered += 1;
  ctx.counters.messagesDelivered += 1;
}

export async function encryptedMessageNode(
  sender: SimPeer,
  connection: Connection,
  message: proto.IMessage,
  attrs: Record<string, string>,
): Promise<BinaryNode> {
  const device = connection.device;
  const { type, ciphertext } = await sender.encrypt(device.jid, message, device.keys);
  return {
    tag: 'message',
    attrs: { from: sender.jid, type: 'text', t: unixNow(), ...attrs },
    content: [{ tag: 'enc', attrs: { v: '2', type }, content: ciphertext }],
  };
}

/** A group message (`attrs.from` the group): the sender key first if the device lacks it, then the skmsg. */
async function groupMessageNode(sender: SimPeer, connection: Connection, message: proto.IMessage, attrs: Record<string, string>): Promise<BinaryNode> {
  const device = connection.device;
  const group = attrs.from ?? '';
  const { ciphertext, distribution } = await sender.encryptGroup(group, device.jid, message);
  const content: BinaryNode[] = [];
  if (distribution) {
    const keyMessage: proto.IMessage = { senderKeyDistributionMessage: { groupId: group, axolotlSenderKeyDistributionMessage: distribution } };
    const { type, ciphertext: keyCiphertext } = await sender.encrypt(device.jid, keyMessage, device.keys);
    content.push({ tag: 'enc', attrs: { v: '2', type }, content: keyCiphertext });
  }
  content.push({ tag: 'enc', attrs: { v: '2', type: 'skmsg' }, content: ciphertext });
  return { tag: 'message', attrs: { type: 'text', t: unixNow(), ...attrs }, content };
}

/** The cheap path for load tests: an unencrypted `<plaintext>` child carrying the raw protobuf. */
export function plaintextMessageNode(fromJid: string, message: proto.IMessage, attrs: Record<string, string>): BinaryNode {
  return {
    tag: 'message',
    attrs: { from: fromJid, type: 'text', t: unixNow(), ...attrs },
    content: [{ tag: 'plaintext', attrs: {}, content: protoRoot.Message.encode(message).finish() }],
  };
}

/** Tells the device to upload more pre-keys once it has fewer than the watermark (once per upload). */
export function checkPreKeys(ctx: SimContext, connection: Connection): void {
  const device = connection.device;
  if (device.preKeyLowNotified || device.keys.preKeys.size >= ctx.options.preKeyLowWatermark) return;
  device.preKeyLowNotified = true;
  connection.send(preKeyLowNotification(ctx.ids.stanza(), device.keys.preKeys.size));
}
