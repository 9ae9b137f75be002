import { randomBytes } from 'node:crypto';
import { KEY_TYPE, loadBaileysCurve, type CurveModule } from './curve-module';
import { fastAgreement, fastKeyPair } from './x25519';
import { xeddsaSign, xeddsaVerify } from './xeddsa';

/**
 * Swaps the slow functions of libsignal's `curve` module (which libsignal and Baileys both call through)
 * for equivalents built on OpenSSL and @noble/curves. Each part is self-tested against the originals
 * first, and is left as it was if its test fails (a Node, OpenSSL or libsignal that behaves differently):
 *
 * - `x25519`: `calculateAgreement` and `generateKeyPair` with JWK instead of DER key import;
 * - `xeddsa`: `calculateSignature` and `verifySignature` (pre-key signatures, the ADV device identity at
 *   pairing) without `curve25519-js`'s pure-JavaScript curve arithmetic.
 *
 * Unusual inputs (wrong types or lengths) still reach the originals, so their checks and errors stay.
 */
export interface FastCurveStatus {
  readonly x25519: boolean;
  readonly xeddsa: boolean;
}

const installedOn = new WeakMap<CurveModule, FastCurveStatus>();

function agreementMatches(curve: CurveModule, agreement: CurveModule['calculateAgreement']): boolean {
  try {
    const ours = fastKeyPair();
    const theirs = curve.generateKeyPair();
    const expected = curve.calculateAgreement(theirs.pubKey, ours.privKey);
    const mirrored = curve.calculateAgreement(ours.pubKey, theirs.privKey);
    const random = randomBytes(32);
    return (
      agreement(theirs.pubKey, ours.privKey).equals(expected) &&
      agreement(ours.pubKey.subarray(1), theirs.privKey).equals(mirrored) &&
      expected.equals(mirrored) &&
      agreement(theirs.pubKey, random).equals(curve.calculateAgreement(theirs.pubKey, random))
    );
  } catch {
    return false;
  }
}

function signaturesMatch(curve: CurveModule): boolean {
  try {
    const pair = curve.generateKeyPair();
    const message = randomBytes(33);
    const reference = curve.calculateSignature(pair.privKey, message);
    const ours = xeddsaSign(pair.privKey, message);
    const tampered = Buffer.from(ours);
    tampered[5]! ^= 1;
    return (
      ours.equals(reference) &&
      xeddsaVerify(pair.pubKey.subarray(1), message, reference) &&
      curve.verifySignature(pair.pubKey, message, ours) &&
      !xeddsaVerify(pair.pubKey.subarray(1), message, tampered) &&
      !xeddsaVerify(pair.pubKey.subarray(1), randomBytes(33), ours)
    );
  } catch {
    return false;
  }
}

function isSignalPublicKey(key: unknown): key is Buffer {
  return Buffer.isBuffer(key) && key.byteLength === 33 && key[0] === KEY_TYPE;
}

function installXeddsa(curve: CurveModule): void {
  const originalSign = curve.calculateSignature.bind(curve);
  const originalVerify = curve.verifySignature.bind(curve);
  curve.calculateSignature = (privKey, message) =>
    Buffer.isBuffer(privKey) && privKey.byteLength === 32 && message?.byteLength > 0 ? xeddsaSign(privKey, message) : originalSign(privKey, message);
  curve.verifySignature = (pubKey, message, signature, isInit) => {
    // `isInit` skips verification in libsignal itself; the original's argument checks still apply.
    if (isInit || !isSignalPublicKey(pubKey) || !(message?.byteLength > 0) || signature?.byteLength !== 64) {
      return originalVerify(pubKey, message, signature, isInit);
    }
    return xeddsaVerify(pubKey.subarray(1), message, signature);
  };
}

/** Installs the fast paths once per curve module (by default the libsignal Baileys loads). */
export function installFastCurve(curve: CurveModule = loadBaileysCurve()): FastCurveStatus {
  const done = installedOn.get(curve);
  if (done) return done;
  const agreement = fastAgreement(curve.calculateAgreement.bind(curve));
  const status = { x25519: agreementMatches(curve, agreement), xeddsa: signaturesMatch(curve) };
  if (status.x25519) {
    curve.calculateAgreement = agreement;
    curve.generateKeyPair = fastKeyPair;
  }
  if (status.xeddsa) installXeddsa(curve);
  installedOn.set(curve, Object.freeze(status));
  return status;
}
