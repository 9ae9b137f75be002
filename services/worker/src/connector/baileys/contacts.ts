import { jidDecode, type WASocket } from 'baileys';
import type { ContactCheck } from '../types';

/**
 * Which of `phones` (digits) are on WhatsApp: Baileys' `onWhatsApp`, one usync query with the
 * contact protocol. WhatsApp lists the numbers it knows (`type="in"`) under their JIDs; a number it
 * does not know is absent from the answer. Answers are matched back to the numbers by the JID's
 * user part.
 */
export async function checkContacts(sock: WASocket, phones: readonly string[]): Promise<ContactCheck[]> {
  if (phones.length === 0) return [];
  const found = (await sock.onWhatsApp(...phones.map((phone) => `${phone}@s.whatsapp.net`))) ?? [];
  const byUser = new Map<string, string>();
  for (const entry of found) {
    const user = jidDecode(entry.jid)?.user;
    if (entry.exists && user) byUser.set(user, entry.jid);
  }
  return phones.map((phone) => {
    const jid = byUser.get(phone);
    return { phone, exists: jid !== undefined, jid: jid ?? null };
  });
}
