/**
 * Group queries (`iq xmlns="w:g2"`): the metadata of one group (`to="<id>@g.us"`, `<query
 * request="interactive"/>`) and every group the account is in (`to="@g.us"`, `<participating>`), in the
 * shape Baileys' extractGroupMetadata reads: `<group id subject s_o s_t creation creator>` with one
 * `<participant jid type?>` per member. An unknown group is 404 item-not-found, a group the account is not
 * in 403 forbidden. Other group iqs (create, change participants, settings) get an empty result.
 */
import { getBinaryNodeChild } from 'baileys';
import type { BinaryNode } from 'baileys';
import type { Connection } from '../connection/connection';
import type { SimContext } from '../context';
import type { Group } from '../state/groups';
import { iqError, iqResult } from './nodes';

export function answerGroupIq(ctx: SimContext, connection: Connection, iq: BinaryNode): void {
  const id = iq.attrs.id ?? '';
  const phone = connection.account?.phone ?? '';
  if (iq.attrs.type === 'get' && getBinaryNodeChild(iq, 'query')) {
    const group = ctx.registry.groups.get(iq.attrs.to ?? '');
    if (!group) return connection.send(iqError(id, 404, 'item-not-found'));
    if (!group.participants.has(phone)) return connection.send(iqError(id, 403, 'forbidden'));
    return connection.send(iqResult(id, [groupNode(group)]));
  }
  if (iq.attrs.type === 'get' && getBinaryNodeChild(iq, 'participating')) {
    return connection.send(iqResult(id, [{ tag: 'groups', attrs: {}, content: ctx.registry.groups.of(phone).map(groupNode) }]));
  }
  connection.send(iqResult(id));
}

export function groupNode(group: Group): BinaryNode {
  const creator = `${group.creator}@s.whatsapp.net`;
  const created = String(Math.floor(group.createdAt / 1000));
  return {
    tag: 'group',
    attrs: { id: group.jid.split('@')[0] ?? '', subject: group.subject, s_o: creator, s_t: created, creation: created, creator },
    content: [...group.participants].map(([phone, role]) => ({
      tag: 'participant',
      attrs: { jid: `${phone}@s.whatsapp.net`, ...(role ? { type: role } : {}) },
    })),
  };
}
