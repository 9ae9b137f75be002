import type { Agent } from 'node:https';
import makeWASocket, { type AuthenticationState, type WAMessageKey, type WASocket, type proto } from 'baileys';
import type { BaileysLogger } from './baileys-logger';
import { BoundedCache } from './bounded-cache';
import { CompanionDeviceCache, rememberPhoneOnlyUsers } from './device-lists';
import type { ResolvedConnectorOptions } from './options';

const MINUTE = 60_000;

/**
 * One Baileys socket configured for many sessions per process: no history sync, no init queries, no
 * presence, no own-message echo, no link previews, no in-memory store, small timer-free caches, what
 * was sent handed back for recipients' retry requests (`getMessage`), and device lists
 * of phone-only contacts remembered (see `rememberPhoneOnlyUsers`). `agents`: the session's proxy,
 * for the WebSocket and media.
 */
export function createSocket(
  auth: AuthenticationState,
  logger: BaileysLogger,
  options: ResolvedConnectorOptions,
  getMessage: (key: WAMessageKey) => Promise<proto.IMessage | undefined>,
  agents?: { readonly ws: Agent; readonly media: Agent },
): WASocket {
  const mediaAgent = agents?.media ?? options.mediaAgent;
  const userDevicesCache = new CompanionDeviceCache(256, 5 * MINUTE);
  const sock = makeWASocket({
    auth,
    logger,
    waWebSocketUrl: options.waWebSocketUrl,
    connectTimeoutMs: options.connectTimeoutMs,
    keepAliveIntervalMs: options.keepAliveIntervalMs,
    defaultQueryTimeoutMs: options.defaultQueryTimeoutMs,
    printQRInTerminal: false,
    markOnlineOnConnect: false,
    syncFullHistory: false,
    shouldSyncHistoryMessage: () => false,
    fireInitQueries: false,
    generateHighQualityLinkPreview: false,
    emitOwnEvents: false,
    getMessage,
    ...(agents ? { agent: agents.ws } : {}),
    ...(mediaAgent ? { fetchAgent: mediaAgent } : {}),
    msgRetryCounterCache: new BoundedCache(64, 60 * MINUTE),
    userDevicesCache,
    callOfferCache: new BoundedCache(16, 5 * MINUTE),
    placeholderResendCache: new BoundedCache(64, 60 * MINUTE),
  });
  rememberPhoneOnlyUsers(sock.ws, userDevicesCache, () => auth.creds.me?.id);
  return sock;
}
