/**
 * The virtual phone's side of QR pairing. The QR carries `ref,noiseKey,identityKey,advSecret`; the phone
 * signs an ADV device identity with the account key, HMACs it with the adv secret and sends
 * pair-success. The client answers pair-device-sign; the device is then registered and the socket is
 * told to restart (stream:error 515), after which the client logs in with its new credentials.
 */
import { createHmac, randomInt } from 'node:crypto';
import { Curve, S_WHATSAPP_NET, proto } from 'baileys';
import type { BinaryNode } from 'baileys';
import type { SimContext } from '../context';
import type { DeviceRecord } from '../state/account';
import type { PendingRegistration } from '../state/registry';
import type { ScanResult } from '../admin/types';
import { BadRequestError, PairingFailedError, QrInvalidError, QrNotFoundError } from '../errors';
import { childrenOf, streamError } from './nodes';

export type { ScanResult };

const PHONE_PATTERN = /^[1-9]\d{4,19}$/;

export function assertPhone(phone: unknown): asserts phone is string {
  if (typeof phone !== 'string' || !PHONE_PATTERN.test(phone)) {
    throw new BadRequestError('phone must be 5-20 digits, no plus sign or spaces', { field: 'phone' });
  }
}

export async function scanQr(ctx: SimContext, qr: unknown, phone: unknown): Promise<ScanResult> {
  assertPhone(phone);
  const { registration, advSecret } = findRegistration(ctx, qr);
  registration.scanned = true;
  return completePairing(ctx, registration, phone, advSecret);
}

/**
 * The phone's last step of either way of linking (a scanned QR, an entered pairing code): with the
 * adv secret it shares with the companion, it sends pair-success with a signed device identity, waits
 * for pair-device-sign, registers the device and tells the socket to restart (515).
 */
export async function completePairing(ctx: SimContext, registration: PendingRegistration, phone: string, advSecret: Buffer): Promise<ScanResult> {
  const account = ctx.registry.ensureAccount(phone);
  const accountKey = ctx.registry.peer(phone).identityKey;
  const deviceId = account.allocateDeviceId();
  const device: DeviceRecord = {
    id: deviceId,
    jid: `${phone}:${deviceId}@s.whatsapp.net`,
    lid: `${account.lidUser}:${deviceId}@lid`,
    noiseKey: registration.noiseKey,
    keys: registration.keys,
    appStateKeyShared: false,
    preKeyLowNotified: false,
    registeredAt: Date.now(),
    lastLoginAt: null,
    logins: 0,
  };
  const iqId = ctx.ids.stanza();
  registration.link.send(pairSuccessNode(iqId, device, signDeviceIdentity(deviceId, registration.identityKey, accountKey, advSecret)));
  const reply = await registration.link.waitFor(iqId, ctx.options.pairTimeoutMs);
  const signed = childrenOf(reply).some((child) => child.tag === 'pair-device-sign');
  if (!reply || reply.attrs.type !== 'result' || !signed) {
    registration.scanned = false;
    throw new PairingFailedError(reply ? 'the client rejected pair-success' : 'no pair-device-sign from the client');
  }
  ctx.registry.addDevice(account, device);
  ctx.registry.removePending(registration);
  registration.link.terminate(streamError(515));
  return { phone, deviceId, jid: device.jid };
}

function findRegistration(ctx: SimContext, qr: unknown): { registration: PendingRegistration; advSecret: Buffer } {
  if (typeof qr !== 'string') throw new QrInvalidError('qr must be a string');
  const parts = qr.split(',');
  if (parts.length !== 4) throw new QrInvalidError('expected ref,noiseKey,identityKey,advSecret');
  const [ref, noiseKey, identityKey, advSecretB64] = parts as [string, string, string, string];
  const registration = ctx.registry.pendingByRef.get(ref);
  if (!registration) throw new QrNotFoundError();
  if (registration.noiseKey !== noiseKey) throw new QrInvalidError('noise key does not match the registering socket');
  if (registration.identityKey.toString('base64') !== identityKey) throw new QrInvalidError('identity key does not match');
  const advSecret = Buffer.from(advSecretB64, 'base64');
  if (advSecret.length !== 32) throw new QrInvalidError('adv secret must be 32 bytes');
  if (registration.scanned) throw new QrInvalidError('already scanned');
  return { registration, advSecret };
}

/** ADVSignedDeviceIdentityHMAC bytes, as the phone produces them for a new companion device. */
export function signDeviceIdentity(
  keyIndex: number,
  deviceIdentityKey: Buffer,
  accountKey: { public: Buffer; private: Buffer },
  advSecret: Buffer,
): Uint8Array {
  const details = proto.ADVDeviceIdentity.encode({
    rawId: randomInt(1, 2 ** 31),
    timestamp: Math.floor(Date.now() / 1000),
    keyIndex,
  }).finish();
  const accountSignature = Curve.sign(accountKey.private, Buffer.concat([Buffer.from([6, 0]), details, deviceIdentityKey]));
  const signed = proto.ADVSignedDeviceIdentity.encode({
    details,
    accountSignatureKey: accountKey.public,
    accountSignature,
  }).finish();
  const hmac = createHmac('sha256', advSecret).update(signed).digest();
  return proto.ADVSignedDeviceIdentityHMAC.encode({ details: signed, hmac }).finish();
}

function pairSuccessNode(id: string, device: DeviceRecord, identity: Uint8Array): BinaryNode {
  return {
    tag: 'iq',
    attrs: { from: S_WHATSAPP_NET, type: 'set', id, xmlns: 'md' },
    content: [
      {
        tag: 'pair-success',
        attrs: {},
        content: [
          { tag: 'device-identity', attrs: {}, content: identity },
          { tag: 'platform', attrs: { name: 'smba' } },
          { tag: 'device', attrs: { jid: device.jid, lid: device.lid } },
        ],
      },
    ],
  };
}
