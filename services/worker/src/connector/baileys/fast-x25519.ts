import path from 'node:path';
import { createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';

/**
 * libsignal (under Baileys) does every X25519 agreement and key generation through DER-encoded
 * PKCS#8/SPKI keys; OpenSSL 3's DER decoders make one agreement cost ~0.5 ms of CPU, which dominates
 * session setup, the Noise handshake and first sends once thousands of sessions share a process.
 * Importing the same raw keys as JWK skips the decoders: the same OpenSSL X25519, ~5× cheaper.
 *
 * `installFastX25519()` swaps `calculateAgreement` and `generateKeyPair` on libsignal's `curve` module
 * (which both libsignal and Baileys call through) for these equivalents, after a self-test against the
 * originals; if the self-test fails (a Node or libsignal that behaves differently) nothing is changed.
 */

interface CurveModule {
  calculateAgreement(pubKey: Uint8Array, privKey: Uint8Array): Buffer;
  generateKeyPair(): { pubKey: Buffer; privKey: Buffer };
}

/** Signal's public keys carry a 0x05 type byte in front of the 32 key bytes. */
const KEY_TYPE = 5;
/** JWK import needs an `x`; OpenSSL derives the public half from `d` and does not compare them. */
const PLACEHOLDER_X = Buffer.alloc(32).toString('base64url');

let installed: boolean | undefined;

function privateKeyObject(privKey: Uint8Array): KeyObject {
  return createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: Buffer.from(privKey).toString('base64url'), x: PLACEHOLDER_X }, format: 'jwk' });
}

function publicKeyObject(pubKey: Uint8Array): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(pubKey).toString('base64url') }, format: 'jwk' });
}

export function fastAgreement(original: CurveModule['calculateAgreement']): CurveModule['calculateAgreement'] {
  return (pubKey, privKey) => {
    const pub = pubKey?.byteLength === 33 && pubKey[0] === KEY_TYPE ? pubKey.subarray(1) : pubKey;
    // Anything unusual (wrong lengths, missing keys) goes to the original for its own checks and errors.
    if (pub?.byteLength !== 32 || privKey?.byteLength !== 32) return original(pubKey, privKey);
    return diffieHellman({ privateKey: privateKeyObject(privKey), publicKey: publicKeyObject(pub) });
  };
}

export function fastKeyPair(): { pubKey: Buffer; privKey: Buffer } {
  const { privateKey } = generateKeyPairSync('x25519');
  const jwk = privateKey.export({ format: 'jwk' });
  const pub = Buffer.from(jwk.x!, 'base64url');
  return { pubKey: Buffer.concat([Buffer.from([KEY_TYPE]), pub]), privKey: Buffer.from(jwk.d!, 'base64url') };
}

function selfTest(curve: CurveModule, agreement: CurveModule['calculateAgreement']): boolean {
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

/** Installs the fast paths once per process; returns whether they are in use. */
export function installFastX25519(curve: CurveModule = loadCurve()): boolean {
  if (installed !== undefined) return installed;
  const agreement = fastAgreement(curve.calculateAgreement.bind(curve));
  installed = selfTest(curve, agreement);
  if (installed) {
    curve.calculateAgreement = agreement;
    curve.generateKeyPair = fastKeyPair;
  }
  return installed;
}

/** The libsignal instance Baileys itself loads. */
function loadCurve(): CurveModule {
  const resolved = require.resolve('libsignal', { paths: [path.dirname(require.resolve('baileys'))] });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(resolved) as { curve: CurveModule }).curve;
}
