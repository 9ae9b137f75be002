/**
 * Simulated WhatsApp groups: a subject and participants (accounts and simulated contacts alike, by
 * phone), made through the admin API. Accounts in a group can read its metadata, send to it (every other
 * participant's phone decrypts the copy) and receive from it (a participant's message through the admin
 * API). Participants do not change after creation.
 */
import { randomInt } from 'node:crypto';

export type GroupRole = 'superadmin' | 'admin' | null;

export interface Group {
  /** `120363…@g.us` */
  jid: string;
  subject: string;
  /** phone of the creator (superadmin) */
  creator: string;
  createdAt: number;
  /** phone → role, creation order */
  participants: Map<string, GroupRole>;
}

export class GroupRegistry {
  private readonly groups = new Map<string, Group>();

  create(subject: string, participants: string[], admins: string[] = []): Group {
    let jid: string;
    do jid = `120363${String(randomInt(0, 1e12)).padStart(12, '0')}@g.us`;
    while (this.groups.has(jid));
    const [creator] = participants;
    const roles = new Map<string, GroupRole>();
    for (const phone of participants) roles.set(phone, phone === creator ? 'superadmin' : admins.includes(phone) ? 'admin' : null);
    const group: Group = { jid, subject, creator: creator ?? '', createdAt: Date.now(), participants: roles };
    this.groups.set(jid, group);
    return group;
  }

  get(jid: string): Group | undefined {
    return this.groups.get(jid);
  }

  /** Groups `phone` is a participant of. */
  of(phone: string): Group[] {
    return [...this.groups.values()].filter((group) => group.participants.has(phone));
  }

  all(): Group[] {
    return [...this.groups.values()];
  }
}
