/**
 * Answers to every iq a logged-in client sends. Baileys rejects a promise (and can crash its host) when an
 * iq stays unanswered, so anything not recognised gets an empty result.
 */
import { getBinaryNodeChild, getBinaryNodeChildren } from 'baileys';
import type { BinaryNode } from 'baileys';
import type { Connection } from '../connection/connection';
import type { SimContext } from '../context';
import { childrenOf, iqError, iqResult } from './nodes';
import { answerUsync } from './usync';
import { storePreKeyUpload } from './pre-keys';
import { finishLogin } from './post-login';
import { answerGroupIq } from './group-iq';
import { MEDIA_AUTH_TTL_S } from '../context';

type IqHandler = (ctx: SimContext, connection: Connection, iq: BinaryNode) => void;

const PRIVACY_DEFAULTS: Record<string, string> = {
  readreceipts: 'all',
  last: 'all',
  online: 'all',
  profile: 'all',
  status: 'all',
  groupadd: 'all',
  calladd: 'all',
};

const handlers: Record<string, IqHandler> = {
  encrypt: answerEncrypt,
  usync: (ctx, connection, iq) => connection.send(answerUsync(ctx, iq)),
  passive: answerPassive,
  'w:p': answerPing,
  w: (_ctx, connection, iq) => connection.send(iqResult(iq.attrs.id ?? '', [{ tag: 'props', attrs: { protocol: '2', hash: 'sim' }, content: [] }])),
  blocklist: (_ctx, connection, iq) =>
    connection.send(iqResult(iq.attrs.id ?? '', iq.attrs.type === 'get' ? [{ tag: 'list', attrs: {}, content: [] }] : undefined)),
  privacy: answerPrivacy,
  md: answerMd,
  'w:sync:app:state': answerAppStateSync,
  'w:profile:picture': (_ctx, connection, iq) =>
    connection.send(iq.attrs.type === 'get' ? iqError(iq.attrs.id ?? '', 404, 'item-not-found') : iqResult(iq.attrs.id ?? '')),
  'w:m': answerMediaConn,
  'w:g2': answerGroupIq,
};

export function handleIq(ctx: SimContext, connection: Connection, iq: BinaryNode): void {
  const type = iq.attrs.type;
  if (type !== 'get' && type !== 'set') return;
  const handler = handlers[iq.attrs.xmlns ?? ''];
  if (handler) handler(ctx, connection, iq);
  else connection.send(iqResult(iq.attrs.id ?? ''));
}

function answerEncrypt(ctx: SimContext, connection: Connection, iq: BinaryNode): void {
  const id = iq.attrs.id ?? '';
  const device = connection.device;
  if (getBinaryNodeChild(iq, 'count')) {
    connection.send(iqResult(id, [{ tag: 'count', attrs: { value: String(device.keys.preKeys.size) } }]));
    return;
  }
  const keyRequest = getBinaryNodeChild(iq, 'key');
  if (keyRequest) {
    const users = getBinaryNodeChildren(keyRequest, 'user').map((user) => {
      const jid = user.attrs.jid ?? '';
      const phone = jid.split('@')[0]?.split(':')[0] ?? '';
      return ctx.registry.peer(phone).bundleNode(jid);
    });
    connection.send(iqResult(id, [{ tag: 'list', attrs: {}, content: users }]));
    return;
  }
  if (iq.attrs.type === 'set' && getBinaryNodeChild(iq, 'list')) {
    storePreKeyUpload(device, iq);
    connection.send(iqResult(id));
    return;
  }
  connection.send(iqResult(id));
}

/**
 * `media_conn`: where to upload and with which token. Baileys reads `auth`, `ttl` (seconds it caches the
 * answer) and each `host`'s `hostname` (uploads go to `https://<hostname>/mms/…`, so it carries the port).
 */
function answerMediaConn(ctx: SimContext, connection: Connection, iq: BinaryNode): void {
  const id = iq.attrs.id ?? '';
  const hostname = ctx.media.hostname;
  if (!hostname || !connection.account) return connection.send(iqError(id, 503, 'service-unavailable'));
  connection.send(
    iqResult(id, [
      {
        tag: 'media_conn',
        attrs: { auth: ctx.media.auth.issue(connection.account.phone), ttl: '300', auth_ttl: String(MEDIA_AUTH_TTL_S), max_buckets: '12' },
        content: [{ tag: 'host', attrs: { hostname, maxContentLengthBytes: String(ctx.media.store.maxBytes) } }],
      },
    ]),
  );
}

function answerPassive(ctx: SimContext, connection: Connection, iq: BinaryNode): void {
  connection.send(iqResult(iq.attrs.id ?? ''));
  if (getBinaryNodeChild(iq, 'active') && !connection.ready) finishLogin(ctx, connection);
}

function answerPing(_ctx: SimContext, connection: Connection, iq: BinaryNode): void {
  if (connection.account?.faults.dropPings) return;
  connection.send(iqResult(iq.attrs.id ?? ''));
}

function answerPrivacy(_ctx: SimContext, connection: Connection, iq: BinaryNode): void {
  const id = iq.attrs.id ?? '';
  if (iq.attrs.type !== 'get') {
    connection.send(iqResult(id));
    return;
  }
  const categories = Object.entries(PRIVACY_DEFAULTS).map(([name, value]) => ({ tag: 'category', attrs: { name, value } }));
  connection.send(iqResult(id, [{ tag: 'privacy', attrs: {}, content: categories }]));
}

/** `remove-companion-device` is a logout from the client: the device is forgotten. */
function answerMd(ctx: SimContext, connection: Connection, iq: BinaryNode): void {
  connection.send(iqResult(iq.attrs.id ?? ''));
  const removal = getBinaryNodeChild(iq, 'remove-companion-device');
  if (removal && connection.account) ctx.registry.removeDevice(connection.account, connection.device.id);
}

/** An empty app-state sync: every requested collection at its current version, without patches. */
function answerAppStateSync(_ctx: SimContext, connection: Connection, iq: BinaryNode): void {
  const collections = childrenOf(getBinaryNodeChild(iq, 'sync')).map((collection) => ({
    tag: 'collection',
    attrs: { name: collection.attrs.name ?? '', version: collection.attrs.version ?? '0' },
  }));
  connection.send(iqResult(iq.attrs.id ?? '', [{ tag: 'sync', attrs: {}, content: collections }]));
}
