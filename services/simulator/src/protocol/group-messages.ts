/**
 * An account's message to a group: `<participants>` carries a pkmsg/msg copy of the sender's
 * SenderKeyDistributionMessage for each device that lacks its sender key, and `<enc type="skmsg">` the
 * message itself. Every other participant's phone decrypts its copy with its own Signal store, takes in
 * the sender key, then decrypts the skmsg, as recipients' phones do. A participant that cannot is counted
 * as a decrypt failure and asks again with a retry receipt from the group; the others each send a
 * delivery receipt (with `participant`). The sender's answer to a retry (the same id again) settles the
 * participants that failed. Other accounts in the group are decrypted by their phones; their companion
 * devices are not sent the message.
 */
import { getBinaryNodeChildren, jidDecode } from 'baileys';
import type { BinaryNode, proto } from 'baileys';
import type { Connection } from '../connection/connection';
import type { SimContext } from '../context';
import type { Account } from '../state/account';
import { contentBuffer, receipt } from './nodes';
import { askAgain, copiesFor, decryptCopy, markStatus, scheduleRead, type Copy } from './recipient';
import { recordSent } from './sent-record';

export async function handleGroupMessage(ctx: SimContext, connection: Connection, account: Account, node: BinaryNode): Promise<void> {
  const id = node.attrs.id ?? '';
  const group = ctx.registry.groups.get(node.attrs.to ?? '');
  if (!group) {
    ctx.options.logger.warn('message to an unknown group', { connection: connection.id });
    return;
  }
  const only = node.attrs.participant ? jidDecode(node.attrs.participant)?.user : undefined;
  const readers = [...group.participants.keys()].filter((phone) => phone !== account.phone && (!only || phone === only));
  const skmsg = contentBuffer(getBinaryNodeChildren(node, 'enc').find((enc) => enc.attrs.type === 'skmsg'));
  const copies = new Map(copiesFor(node).map((copy) => [jidDecode(copy.jid)?.user ?? '', copy]));
  const decrypted: string[] = [];
  const failed: string[] = [];
  let message: proto.IMessage | undefined;
  for (const phone of readers) {
    const result = await readAsParticipant(ctx, connection, group.jid, phone, copies.get(phone), skmsg);
    if (result) {
      decrypted.push(phone);
      message ??= result;
    } else {
      failed.push(phone);
    }
  }
  const previous = account.sent.get(id);
  if (previous?.undecryptedBy?.length && previous.kind !== 'undecryptable') {
    settleRetry(ctx, account, id, previous.undecryptedBy, failed);
  } else if (recordSent(ctx, account, id, group.jid, message, message ? failed : []) === 'undecryptable') {
    decrypted.length = 0;
  }
  for (const phone of failed) askAgain(ctx, connection, account, id, group.jid, `${phone}@s.whatsapp.net`);
  if (!decrypted.length) return;
  if (ctx.options.deliveryReceipts) {
    for (const phone of decrypted) connection.send(receipt([id], group.jid, undefined, `${phone}@s.whatsapp.net`));
    markStatus(account, [id], 'delivered');
  }
  const autoReadMs = account.autoReadMs ?? ctx.options.autoReadReceiptMs;
  if (autoReadMs !== null)
    scheduleRead(
      connection,
      account,
      id,
      decrypted.map((phone) => ({ from: group.jid, participant: `${phone}@s.whatsapp.net` })),
      autoReadMs,
    );
}

/** One participant's phone: takes in the sender key from its copy (if any), then decrypts the skmsg. */
async function readAsParticipant(
  ctx: SimContext,
  connection: Connection,
  groupJid: string,
  phone: string,
  copy: Copy | undefined,
  skmsg: Buffer | undefined,
): Promise<proto.Message | undefined> {
  const peer = ctx.registry.peer(phone);
  const sender = connection.device.jid;
  if (copy) {
    const keyMessage = await decryptCopy(ctx, connection, copy);
    if (!keyMessage) return undefined;
    const distribution = keyMessage.senderKeyDistributionMessage;
    if (distribution) {
      try {
        await peer.processSenderKey(sender, distribution);
      } catch (error) {
        ctx.options.logger.warn('could not take in a sender key', { connection: connection.id, error: String(error) });
        return undefined;
      }
    }
  }
  if (!skmsg) return undefined;
  try {
    return await peer.decryptGroup(groupJid, sender, skmsg);
  } catch (error) {
    ctx.options.logger.warn('could not decrypt a group message', { connection: connection.id, error: String(error) });
    return undefined;
  }
}

/** The sender answered retry receipts: participants that decrypt now are settled, the rest still fail. */
function settleRetry(ctx: SimContext, account: Account, id: string, waiting: string[], failed: string[]): void {
  const previous = account.sent.get(id);
  if (!previous) return;
  const still = waiting.filter((phone) => failed.includes(phone));
  account.messagesReceived += 1;
  ctx.counters.messagesReceived += 1;
  if (still.length) {
    account.decryptFailures += 1;
    ctx.counters.decryptFailures += 1;
  }
  const { undecryptedBy: _dropped, ...rest } = previous;
  account.sent.add({ ...rest, timestamp: Date.now(), ...(still.length ? { undecryptedBy: still } : {}) });
}
