/**
 * After the client's login queries (`passive active`): share an app-state sync key from the account's
 * phone once per device (Baileys 6.17.16 buffers incoming-message events forever without one), deliver
 * what was queued while the account was offline, then send `<ib><offline count/></ib>` which flushes the
 * client's event buffer. Only then does the socket count as ready for live deliveries.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { proto } from 'baileys';
import type { Connection } from '../connection/connection';
import type { SimContext } from '../context';
import { deliverTo, encryptedMessageNode } from './delivery';
import { offlineMarker } from './nodes';

export function finishLogin(ctx: SimContext, connection: Connection): void {
  runFinishLogin(ctx, connection).catch((error) => {
    ctx.options.logger.warn('post-login sequence failed', { connection: connection.id, error: String(error) });
  });
}

async function runFinishLogin(ctx: SimContext, connection: Connection): Promise<void> {
  const account = connection.account;
  if (!account) return;
  const device = connection.device;
  if (!device.appStateKeyShared) {
    const id = ctx.ids.message();
    const node = await encryptedMessageNode(ctx.registry.peer(account.phone), connection, appStateKeyShare(device.id), { id });
    connection.send(node);
    const ack = await connection.waitFor(id, ctx.options.keyShareAckTimeoutMs);
    if (ack) device.appStateKeyShared = true;
  }
  let offline = 0;
  while (account.pendingIncoming.length && connection.state !== 'closed') {
    const item = account.pendingIncoming.shift();
    if (!item) break;
    await deliverTo(ctx, connection, item);
    offline += 1;
  }
  if (connection.state === 'closed') return;
  connection.send(offlineMarker(offline));
  connection.ready = true;
}

function appStateKeyShare(deviceId: number): proto.IMessage {
  return {
    protocolMessage: {
      type: proto.Message.ProtocolMessage.Type.APP_STATE_SYNC_KEY_SHARE,
      appStateSyncKeyShare: {
        keys: [
          {
            keyId: { keyId: randomBytes(6) },
            keyData: {
              keyData: randomBytes(32),
              fingerprint: { rawId: randomInt(1, 2 ** 31), currentIndex: 0, deviceIndexes: [0, deviceId] },
              timestamp: Date.now(),
            },
          },
        ],
      },
    },
  };
}
