import { EventEmitter } from 'node:events';
import { expect } from 'chai';
import type { BinaryNode } from 'baileys';
import { BoundedCache } from '../src/connector/baileys/bounded-cache';
import { CompanionDeviceCache, rememberPhoneOnlyUsers } from '../src/connector/baileys/device-lists';

const user = (jid: string, devices?: number[]): BinaryNode => ({
  tag: 'user',
  attrs: { jid },
  content:
    devices === undefined
      ? [{ tag: 'contact', attrs: { type: 'in' } }]
      : [
          {
            tag: 'devices',
            attrs: {},
            content: [
              {
                tag: 'device-list',
                attrs: {},
                content: devices.map((id) => ({ tag: 'device', attrs: { id: String(id), ...(id ? { 'key-index': '1' } : {}) } })),
              },
            ],
          },
        ],
});
const usyncResult = (users: BinaryNode[]): BinaryNode => ({
  tag: 'iq',
  attrs: { id: '1', type: 'result' },
  content: [{ tag: 'usync', attrs: {}, content: [{ tag: 'list', attrs: {}, content: users }] }],
});

describe('device lists of phone-only users are remembered', () => {
  it('caches "no extra devices" for users with just a phone (and this session\'s own device), nothing else', () => {
    const ws = new EventEmitter();
    const cache = new BoundedCache(16, 60_000);
    rememberPhoneOnlyUsers(ws, cache, () => '15550000001:1@s.whatsapp.net');
    ws.emit(
      'frame',
      usyncResult([
        user('15550000002@s.whatsapp.net', [0]),
        user('15550000003@s.whatsapp.net', [0, 4]),
        user('15550000001@s.whatsapp.net', [0, 1]),
        user('15550000004@s.whatsapp.net'),
      ]),
    );
    expect(cache.get('15550000002')).to.deep.equal([]);
    expect(cache.get('15550000003'), 'has a companion device: left to Baileys').to.equal(undefined);
    expect(cache.get('15550000001'), 'own account: this device does not count').to.deep.equal([]);
    expect(cache.get('15550000004'), 'no device list in the answer').to.equal(undefined);
  });

  it('ignores other frames: errors, non-usync results, raw bytes', () => {
    const ws = new EventEmitter();
    const cache = new BoundedCache(16, 60_000);
    rememberPhoneOnlyUsers(ws, cache, () => undefined);
    ws.emit('frame', { ...usyncResult([user('15550000002@s.whatsapp.net', [0])]), attrs: { id: '1', type: 'error' } });
    ws.emit('frame', { tag: 'iq', attrs: { type: 'result' }, content: [{ tag: 'list', attrs: {}, content: [user('15550000005@s.whatsapp.net', [0])] }] });
    ws.emit('frame', new Uint8Array([1, 2, 3]));
    expect(cache.get('15550000002')).to.equal(undefined);
    expect(cache.get('15550000005')).to.equal(undefined);
  });

  it('the device cache keeps companion devices only: the phone a group query listed never doubles a 1:1 send', () => {
    const cache = new CompanionDeviceCache(16, 60_000);
    cache.set('15550000006', [
      { user: '15550000006', device: 0 },
      { user: '15550000006', device: 3 },
    ]);
    cache.set('15550000007', [{ user: '15550000007', device: 0 }]);
    expect(cache.get('15550000006')).to.deep.equal([{ user: '15550000006', device: 3 }]);
    expect(cache.get('15550000007')).to.deep.equal([]);
  });
});
