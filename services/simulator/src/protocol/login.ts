/**
 * What happens right after the Noise handshake: a new device registers (pair-device with QR refs), a
 * known device logs in (authenticated by its Noise static key and username) and gets `<success>`.
 * A second live socket on the same device is a real conflict: it is counted and the older socket is
 * closed with stream:error conflict/replaced (440).
 */
import { S_WHATSAPP_NET } from 'baileys';
import type { proto } from 'baileys';
import type { Connection } from '../connection/connection';
import type { SimContext } from '../context';
import type { PendingRegistration } from '../state/registry';
import { conflictReplaced, failure, unixNow } from './nodes';

export function handleClientPayload(ctx: SimContext, connection: Connection, clientStaticKey: Buffer, payload: proto.ClientPayload): void {
  if (payload.devicePairingData) {
    startRegistration(ctx, connection, clientStaticKey, payload.devicePairingData);
    return;
  }
  if (payload.username !== null && payload.username !== undefined) {
    login(ctx, connection, clientStaticKey, String(payload.username), payload.device ?? 0);
    return;
  }
  ctx.counters.loginFailures += 1;
  connection.terminate(failure(400));
}

function startRegistration(ctx: SimContext, connection: Connection, clientStaticKey: Buffer, data: proto.ClientPayload.IDevicePairingRegistrationData): void {
  if (!data.eIdent || !data.eRegid || !data.eSkeyId || !data.eSkeyVal || !data.eSkeySig) {
    ctx.counters.loginFailures += 1;
    connection.terminate(failure(400));
    return;
  }
  const refs = Array.from({ length: ctx.options.qrRefs }, () => ctx.ids.qrRef());
  const registration: PendingRegistration = {
    connectionId: connection.id,
    refs,
    createdAt: Date.now(),
    noiseKey: clientStaticKey.toString('base64'),
    identityKey: Buffer.from(data.eIdent),
    keys: {
      registrationId: Buffer.from(data.eRegid).readUIntBE(0, data.eRegid.length),
      identityKey: Buffer.from(data.eIdent),
      signedPreKey: {
        keyId: Buffer.from(data.eSkeyId).readUIntBE(0, data.eSkeyId.length),
        publicKey: Buffer.from(data.eSkeyVal),
        signature: Buffer.from(data.eSkeySig),
      },
      preKeys: new Map(),
    },
    scanned: false,
    link: connection,
  };
  connection.registration = registration;
  ctx.registry.addPending(registration);
  connection.send({
    tag: 'iq',
    attrs: { from: S_WHATSAPP_NET, type: 'set', id: ctx.ids.stanza(), xmlns: 'md' },
    content: [
      {
        tag: 'pair-device',
        attrs: {},
        content: refs.map((ref) => ({ tag: 'ref', attrs: {}, content: Buffer.from(ref, 'utf8') })),
      },
    ],
  });
}

function login(ctx: SimContext, connection: Connection, clientStaticKey: Buffer, username: string, deviceId: number): void {
  const found = ctx.registry.devicesByNoiseKey.get(clientStaticKey.toString('base64'));
  if (!found || found.account.phone !== username || found.device.id !== deviceId) {
    ctx.counters.loginFailures += 1;
    connection.terminate(failure(401));
    return;
  }
  const { account, device } = found;
  if (account.faults.failLogin !== null) {
    ctx.counters.loginFailures += 1;
    connection.terminate(failure(account.faults.failLogin));
    return;
  }
  const previous = account.sessionsOf(device.id);
  connection.authenticate(account, device);
  account.attach(connection);
  device.logins += 1;
  device.lastLoginAt = Date.now();
  ctx.counters.logins += 1;
  for (const older of previous) {
    account.conflicts += 1;
    ctx.counters.conflicts += 1;
    older.terminate(conflictReplaced());
  }
  connection.send({
    tag: 'success',
    attrs: {
      t: unixNow(),
      props: '1',
      abprops: '1',
      location: 'sim',
      creation: String(Math.floor(device.registeredAt / 1000)),
      lid: device.lid,
    },
  });
}
