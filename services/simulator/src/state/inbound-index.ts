/**
 * What the simulator delivered to an account, by message id (bounded, oldest forgotten): who wrote it in
 * which chat, so that a later reaction, reply, edit or revoke through the admin API can name its target
 * by id alone, with the right author and key.
 */
export interface InboundRecord {
  id: string;
  /** the chat as the account sees it: the contact's JID, or the group's */
  chat: string;
  /** the author's JID (`PHONE@s.whatsapp.net`; the account's own for fromMe) */
  author: string;
  fromMe: boolean;
  /** text or caption, for quoting */
  text: string | null;
}

export class InboundIndex {
  private readonly byId = new Map<string, InboundRecord>();

  constructor(private readonly capacity: number) {}

  add(record: InboundRecord): void {
    this.byId.delete(record.id);
    this.byId.set(record.id, record);
    if (this.byId.size > this.capacity) this.byId.delete(this.byId.keys().next().value as string);
  }

  get(id: string): InboundRecord | undefined {
    return this.byId.get(id);
  }
}
