/** Pre-key uploads (`iq xmlns=encrypt type=set`) into the server's record of a device. */
import { getBinaryNodeChild, getBinaryNodeChildBuffer, getBinaryNodeChildren } from 'baileys';
import type { BinaryNode } from 'baileys';
import type { DeviceRecord } from '../state/account';

function readUInt(buffer: Uint8Array | undefined): number | undefined {
  if (!buffer || buffer.length === 0 || buffer.length > 6) return undefined;
  return Buffer.from(buffer).readUIntBE(0, buffer.length);
}

export function storePreKeyUpload(device: DeviceRecord, iq: BinaryNode): void {
  const registrationId = readUInt(getBinaryNodeChildBuffer(iq, 'registration'));
  if (registrationId !== undefined) device.keys.registrationId = registrationId;
  const identity = getBinaryNodeChildBuffer(iq, 'identity');
  if (identity) device.keys.identityKey = Buffer.from(identity);
  for (const key of getBinaryNodeChildren(getBinaryNodeChild(iq, 'list'), 'key')) {
    const id = readUInt(getBinaryNodeChildBuffer(key, 'id'));
    const value = getBinaryNodeChildBuffer(key, 'value');
    if (id !== undefined && value) device.keys.preKeys.set(id, Buffer.from(value));
  }
  const skey = getBinaryNodeChild(iq, 'skey');
  const skeyId = readUInt(getBinaryNodeChildBuffer(skey, 'id'));
  const skeyValue = getBinaryNodeChildBuffer(skey, 'value');
  const skeySignature = getBinaryNodeChildBuffer(skey, 'signature');
  if (skeyId !== undefined && skeyValue && skeySignature) {
    device.keys.signedPreKey = { keyId: skeyId, publicKey: Buffer.from(skeyValue), signature: Buffer.from(skeySignature) };
  }
  device.preKeyLowNotified = false;
}
