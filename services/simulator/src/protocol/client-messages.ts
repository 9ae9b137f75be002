/**
 * `<message>` stanzas a client sends. The server acks every stanza it accepts (or refuses with 429 under
 * the rate-limit fault); it cannot read them. The recipient's copy is then decrypted with that simulated
 * user's Signal store, as the recipient's phone would: a copy it cannot decrypt (a reused chain counter, a
 * consumed pre-key, a missing copy) is counted on the sending account and answered with a retry receipt,
 * never with a delivery receipt, exactly as WhatsApp's clients do; the sender must encrypt it again. A copy
 * that decrypts is delivered once (a repeated id is a duplicate the phone ignores, counted) and a read
 * receipt follows when auto-read is on. The copy for the account's own phone is not decrypted. Messages to
 * a group go to `group-messages`.
 */
import { jidDecode } from 'baileys';
import type { BinaryNode } from 'baileys';
import type { Connection } from '../connection/connection';
import type { SimContext } from '../context';
import { messageAck, receipt } from './nodes';
import { recordSent } from './sent-record';
import { handleGroupMessage } from './group-messages';
import { askAgain, copiesFor, decryptCopy, markStatus, scheduleRead } from './recipient';

export async function handleClientMessage(ctx: SimContext, connection: Connection, node: BinaryNode): Promise<void> {
  const account = connection.account;
  const id = node.attrs.id;
  const to = node.attrs.to;
  if (!account || !id || !to) return;
  if (account.faults.rateLimitSends) {
    ctx.counters.rateLimited += 1;
    connection.send(messageAck(id, to, 429));
    return;
  }
  const recipient = jidDecode(to);
  const isPeerMessage = node.attrs.category === 'peer' || recipient?.user === account.phone;
  connection.send(messageAck(id, to));
  if (recipient?.server === 'g.us') {
    await handleGroupMessage(ctx, connection, account, node);
    return;
  }
  if (isPeerMessage || recipient?.server !== 's.whatsapp.net') return;
  const userJid = `${recipient.user}@s.whatsapp.net`;
  const copy = copiesFor(node).find((candidate) => jidDecode(candidate.jid)?.user === recipient.user);
  const outcome = recordSent(ctx, account, id, userJid, copy ? await decryptCopy(ctx, connection, copy) : undefined);
  if (outcome === 'undecryptable') {
    askAgain(ctx, connection, account, id, userJid);
    return;
  }
  if (ctx.options.deliveryReceipts) {
    connection.send(receipt([id], userJid));
    markStatus(account, [id], 'delivered');
  }
  const autoReadMs = account.autoReadMs ?? ctx.options.autoReadReceiptMs;
  if (autoReadMs !== null && outcome === 'decrypted') scheduleRead(connection, account, id, [{ from: userJid }], autoReadMs);
}
