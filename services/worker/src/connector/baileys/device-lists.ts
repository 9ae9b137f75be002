import { getBinaryNodeChild, getBinaryNodeChildren, jidDecode, type BinaryNode, type CacheStore } from 'baileys';
import { BoundedCache } from './bounded-cache';

/** What `rememberPhoneOnlyUsers` needs of a socket: its frame events. */
interface FrameSource {
  on(event: 'frame', listener: (frame: BinaryNode | Uint8Array) => void): unknown;
}

/**
 * Baileys 6.17.16 caches a user's device list (`userDevicesCache`) only when the list names companion
 * devices; a user with just a phone, most contacts, is looked up again, a usync round trip with the
 * server, before every message to them. This keeps those answers too: when a device-list result
 * arrives, each user in it with no device besides the phone (and this session's own device) is
 * cached as "no extra devices" (an empty list, what Baileys would have found), for the cache's TTL.
 * The frame event comes before Baileys reads the same result, so a user who does have companion
 * devices is overwritten with them right after, as before.
 *
 * `me` gives this session's own JID once paired (its own device never counts as an extra one).
 */
export function rememberPhoneOnlyUsers(ws: FrameSource, cache: CacheStore, me: () => string | undefined): void {
  ws.on('frame', (frame) => {
    if (frame instanceof Uint8Array || frame.tag !== 'iq' || frame.attrs.type !== 'result') return;
    const list = getBinaryNodeChild(getBinaryNodeChild(frame, 'usync'), 'list');
    if (!list) return;
    const own = jidDecode(me() ?? '');
    for (const user of getBinaryNodeChildren(list, 'user')) {
      const name = jidDecode(user.attrs.jid ?? '')?.user;
      const devices = getBinaryNodeChild(getBinaryNodeChild(user, 'devices'), 'device-list');
      if (!name || !devices) continue;
      const extra = getBinaryNodeChildren(devices, 'device')
        .map((device) => Number(device.attrs.id))
        .filter((id) => id !== 0 && !(name === own?.user && id === (own.device ?? 0)));
      if (extra.length === 0) cache.set(name, []);
    }
  });
}

/**
 * The device-list cache of a socket, holding each user's **companion** devices only (never the phone,
 * device 0). Baileys reads it for 1:1 sends, which add the phone themselves (a cached phone would be
 * encrypted for twice), and writes it after every device query, group queries included (which list
 * the phone). Group sends skip the cache and ask the server (see BaileysSession.send): a participant's
 * phone must never be missing from a group's sender-key distribution.
 */
export class CompanionDeviceCache extends BoundedCache {
  override set<T>(key: string, value: T): void {
    const devices = Array.isArray(value) ? value.filter((entry: { device?: number }) => (entry?.device ?? 0) !== 0) : value;
    super.set(key, devices);
  }
}
