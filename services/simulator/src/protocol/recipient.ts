/**
 * What a recipient's phone does with a client's message: finds its copy, decrypts it with its own Signal
 * store, asks again with a retry receipt when it cannot (at most five times per message), and sends
 * delivery and read receipts.
 */
import { getBinaryNodeChild, getBinaryNodeChildren, jidDecode } from 'baileys';
import type { BinaryNode, proto } from 'baileys';
import type { Connection } from '../connection/connection';
import type { SimContext } from '../context';
import type { Account } from '../state/account';
import type { CipherType } from '../signal/peer';
import { contentBuffer, receipt, retryReceipt } from './nodes';

export interface Copy {
  jid: string;
  type: CipherType;
  ciphertext: Buffer;
}

/** A phone asks for a message again at most this many times (WhatsApp's clients give up after five). */
const MAX_RETRY_RECEIPTS = 5;

export function copiesFor(node: BinaryNode): Copy[] {
  const copies: Copy[] = [];
  for (const target of getBinaryNodeChildren(getBinaryNodeChild(node, 'participants'), 'to')) {
    const enc = getBinaryNodeChild(target, 'enc');
    const ciphertext = contentBuffer(enc);
    const type = enc?.attrs.type;
    if (target.attrs.jid && ciphertext && (type === 'pkmsg' || type === 'msg')) {
      copies.push({ jid: target.attrs.jid, type, ciphertext });
    }
  }
  return copies;
}

/** The copy as the recipient's phone decrypts it; undefined when it cannot. */
export async function decryptCopy(ctx: SimContext, connection: Connection, copy: Copy): Promise<proto.Message | undefined> {
  try {
    return await ctx.registry.peer(jidDecode(copy.jid)?.user ?? '').decrypt(connection.device.jid, copy.type, copy.ciphertext);
  } catch (error) {
    ctx.options.logger.warn('could not decrypt a sent message', { connection: connection.id, error: String(error) });
    return undefined;
  }
}

/**
 * The recipient's phone could not decrypt `id`: it asks the sender's device for it again (a retry receipt;
 * in a group, from the group with the participant that asks).
 */
export function askAgain(ctx: SimContext, connection: Connection, account: Account, id: string, from: string, participant?: string): void {
  const key = participant ? `${id} ${participant}` : id;
  const count = (account.retriesAsked.get(key) ?? 0) + 1;
  account.retriesAsked.delete(key);
  account.retriesAsked.set(key, count);
  if (account.retriesAsked.size > RETRY_MEMORY) account.retriesAsked.delete(account.retriesAsked.keys().next().value as string);
  if (count > MAX_RETRY_RECEIPTS) return;
  const peer = ctx.registry.peer(jidDecode(participant ?? from)?.user ?? '');
  account.retryReceipts += 1;
  ctx.counters.retryReceipts += 1;
  connection.send(retryReceipt(id, from, count, peer.registrationId, participant));
}

/** How many message ids an account remembers retry counts for. */
const RETRY_MEMORY = 1024;

export function markStatus(account: Account, ids: string[], status: 'delivered' | 'read'): void {
  for (const id of ids) {
    const record = account.sent.get(id);
    if (record && record.status !== 'read') record.status = status;
  }
}

/** Read receipts `delayMs` from now, one per reader (`participant` set in a group). */
export function scheduleRead(
  connection: Connection,
  account: Account,
  id: string,
  readers: Array<{ from: string; participant?: string }>,
  delayMs: number,
): void {
  setTimeout(() => {
    for (const { from, participant } of readers) connection.send(receipt([id], from, 'read', participant));
    markStatus(account, [id], 'read');
  }, delayMs).unref();
}
