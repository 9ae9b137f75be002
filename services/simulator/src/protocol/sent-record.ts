/**
 * Recording what an account sent, once its recipient decrypted it (or could not): the sent log entry with
 * its type and fields, media fetched and verified from the media host, counters by type and failures. A
 * repeated id that was already decrypted is a duplicate the recipient's phone ignores (counted).
 */
import type { proto } from 'baileys';
import type { SimContext } from '../context';
import type { Account } from '../state/account';
import type { SentMessage } from '../state/sent-log';
import { verifySentMedia } from '../media/verify-sent';
import { summarize } from './message-summary';

/** What the recipient's phone made of a copy. */
export type CopyOutcome = 'decrypted' | 'duplicate' | 'undecryptable';

export function recordSent(
  ctx: SimContext,
  account: Account,
  id: string,
  to: string,
  message: proto.IMessage | undefined,
  undecryptedBy: string[] = [],
): CopyOutcome {
  const previous = account.sent.get(id);
  account.messagesReceived += 1;
  ctx.counters.messagesReceived += 1;
  if (previous && previous.kind !== 'undecryptable') {
    // The phone has this id already: a duplicate it ignores (the sender resent after a lost ack).
    account.duplicates += 1;
    ctx.counters.duplicates += 1;
    account.sent.add({ ...previous, timestamp: Date.now() });
    return 'duplicate';
  }
  if (!message || undecryptedBy.length) {
    account.decryptFailures += 1;
    ctx.counters.decryptFailures += 1;
  }
  account.sent.add(
    message
      ? decryptedRecord(ctx, account, id, to, message, undecryptedBy)
      : {
          id,
          to,
          text: null,
          kind: 'undecryptable',
          type: 'undecryptable',
          timestamp: Date.now(),
          status: 'server_ack',
          ...(undecryptedBy.length ? { undecryptedBy } : {}),
        },
  );
  return message ? 'decrypted' : 'undecryptable';
}

function decryptedRecord(ctx: SimContext, account: Account, id: string, to: string, message: proto.IMessage, undecryptedBy: string[]): SentMessage {
  const summary = summarize(message);
  const record: SentMessage = {
    id,
    to,
    text: summary.text,
    kind: summary.kind,
    ...summary.fields,
    timestamp: Date.now(),
    status: 'server_ack',
    ...(undecryptedBy.length ? { undecryptedBy } : {}),
  };
  if (summary.media) {
    const { media, ref } = verifySentMedia(ctx, summary.media);
    record.media = media;
    if (ref) account.rememberMedia(id, ref);
    else {
      account.mediaFailures += 1;
      ctx.counters.mediaFailures += 1;
    }
  }
  account.sentByType[record.type] = (account.sentByType[record.type] ?? 0) + 1;
  return record;
}
