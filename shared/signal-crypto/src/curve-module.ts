import path from 'node:path';

/** The part of libsignal's `curve` module (`require('libsignal').curve`) that the fast paths replace. */
export interface CurveModule {
  calculateAgreement(pubKey: Uint8Array, privKey: Uint8Array): Buffer;
  generateKeyPair(): { pubKey: Buffer; privKey: Buffer };
  calculateSignature(privKey: Uint8Array, message: Uint8Array): Buffer;
  verifySignature(pubKey: Uint8Array, message: Uint8Array, signature: Uint8Array, isInit?: boolean): boolean;
}

/** Signal's public keys carry a 0x05 type byte in front of the 32 key bytes. */
export const KEY_TYPE = 5;

/** Baileys' compiled `lib` folder: its modules and the libsignal it loads are found from there. */
export function baileysLibDir(): string {
  return path.dirname(require.resolve('baileys'));
}

/** The libsignal instance Baileys itself loads (both Baileys and libsignal call through its `curve`). */
export function loadBaileysCurve(): CurveModule {
  const resolved = require.resolve('libsignal', { paths: [baileysLibDir()] });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(resolved) as { curve: CurveModule }).curve;
}
