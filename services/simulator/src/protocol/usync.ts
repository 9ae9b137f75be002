/**
 * USync answers. Every simulated user has only its phone (device 0), no status and no disappearing
 * mode. The `contact` protocol (Baileys' `onWhatsApp`: is this number on WhatsApp?) answers `in` for the
 * users the simulator knows (accounts, contacts that wrote or were written to, numbers added with
 * `addUsers`) and `out` for any other number. Only the protocols named in `<query>` are answered, as
 * the client expects.
 */
import { getBinaryNodeChild } from 'baileys';
import type { BinaryNode } from 'baileys';
import type { SimContext } from '../context';
import { childrenOf, contentBuffer, iqResult, unixNow } from './nodes';

export function answerUsync(ctx: SimContext, iq: BinaryNode): BinaryNode {
  const usync = getBinaryNodeChild(iq, 'usync');
  const protocols = childrenOf(getBinaryNodeChild(usync, 'query')).map((child) => child.tag);
  if (protocols.includes('devices')) ctx.counters.deviceQueries += 1;
  const known = (phone: string): boolean => ctx.registry.accounts.has(phone) || ctx.registry.peers.has(phone);
  const users = childrenOf(getBinaryNodeChild(usync, 'list')).map((user) => userResult(user, protocols, known));
  return iqResult(iq.attrs.id ?? '', [
    {
      tag: 'usync',
      attrs: { sid: usync?.attrs.sid ?? '', index: '0', last: 'true', mode: usync?.attrs.mode ?? 'query', context: usync?.attrs.context ?? 'interactive' },
      content: [
        { tag: 'result', attrs: {}, content: [] },
        { tag: 'list', attrs: {}, content: users },
      ],
    },
  ]);
}

function userResult(user: BinaryNode, protocols: string[], known: (phone: string) => boolean): BinaryNode {
  const jid = user.attrs.jid ?? phoneToJid(user);
  const content: BinaryNode[] = [];
  for (const protocol of protocols) {
    const answer = protocol === 'contact' ? contactAnswer(user, jid, known) : protocolAnswer(protocol);
    if (answer) content.push(answer);
  }
  return { tag: 'user', attrs: { jid }, content };
}

/** `<contact type=in|out>` with the number as asked (WhatsApp echoes it). */
function contactAnswer(user: BinaryNode, jid: string, known: (phone: string) => boolean): BinaryNode {
  const asked = contentBuffer(getBinaryNodeChild(user, 'contact'));
  const phone = jid.split('@')[0]?.split(':')[0] ?? '';
  return { tag: 'contact', attrs: { type: known(phone) ? 'in' : 'out' }, ...(asked ? { content: asked } : {}) };
}

function protocolAnswer(protocol: string): BinaryNode | undefined {
  switch (protocol) {
    case 'devices':
      return {
        tag: 'devices',
        attrs: {},
        content: [
          { tag: 'device-list', attrs: {}, content: [{ tag: 'device', attrs: { id: '0' } }] },
          { tag: 'key-index-list', attrs: { ts: unixNow() } },
        ],
      };
    case 'status':
      return { tag: 'status', attrs: { t: '0', code: '401' } };
    case 'disappearing_mode':
      return { tag: 'disappearing_mode', attrs: { duration: '0', t: '0' } };
    default:
      return undefined;
  }
}

/** A contact-protocol user carries a phone number (`+1 555 ...`) instead of a jid. */
function phoneToJid(user: BinaryNode): string {
  const contact = getBinaryNodeChild(user, 'contact');
  const digits = (contentBuffer(contact)?.toString('utf8') ?? '').replace(/\D/g, '');
  return `${digits}@s.whatsapp.net`;
}
