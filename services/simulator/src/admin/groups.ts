/** The admin API's groups: creating one (validated) and describing them. */
import type { SimContext } from '../context';
import type { Group } from '../state/groups';
import { BadRequestError, GroupNotFoundError } from '../errors';
import { asObject, phoneOf } from './validate';
import type { GroupInfo } from './types';

const MAX_PARTICIPANTS = 1024;

/** `{subject, participants: [phone…], admins?: [phone…]}`; the first participant creates the group. */
export function createGroup(ctx: SimContext, raw: unknown): GroupInfo {
  const body = asObject(raw);
  const unknown = Object.keys(body).filter((key) => !['subject', 'participants', 'admins'].includes(key));
  if (unknown.length) throw new BadRequestError(`unknown group fields: ${unknown.join(', ')}`, { fields: unknown });
  if (typeof body.subject !== 'string' || body.subject.length < 1 || body.subject.length > 100) {
    throw new BadRequestError('subject must be a string of 1 to 100 characters', { field: 'subject' });
  }
  const participants = phones(body.participants, 'participants');
  if (participants.length < 2) throw new BadRequestError('participants needs at least two phones (the creator first)', { field: 'participants' });
  const admins = body.admins === undefined ? [] : phones(body.admins, 'admins');
  if (admins.some((phone) => !participants.includes(phone))) throw new BadRequestError('admins must be participants', { field: 'admins' });
  return describeGroup(ctx.registry.groups.create(body.subject, participants, admins));
}

export function findGroup(ctx: SimContext, id: string): Group {
  const jid = `${id.replace(/@g\.us$/, '')}@g.us`;
  const group = ctx.registry.groups.get(jid);
  if (!group) throw new GroupNotFoundError(jid);
  return group;
}

export function describeGroup(group: Group): GroupInfo {
  return {
    id: group.jid,
    subject: group.subject,
    creator: group.creator,
    createdAt: group.createdAt,
    participants: [...group.participants].map(([phone, role]) => ({ phone, jid: `${phone}@s.whatsapp.net`, admin: role })),
  };
}

function phones(raw: unknown, field: string): string[] {
  const list = Array.isArray(raw) ? raw.map(phoneOf) : [undefined];
  if (list.length > MAX_PARTICIPANTS || list.some((phone) => phone === undefined)) {
    throw new BadRequestError(`${field} must be an array of at most ${MAX_PARTICIPANTS} phone numbers or JIDs`, { field });
  }
  const unique = [...new Set(list as string[])];
  if (unique.length !== list.length) throw new BadRequestError(`${field} lists a phone twice`, { field });
  return unique;
}
