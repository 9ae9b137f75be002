import { createHash, createPublicKey, verify as verifyEd25519 } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519';

/**
 * Signal's signatures over X25519 keys, as libsignal computes them through `curve25519-js`: the X25519
 * private key is used as an Ed25519 scalar, and the sign bit of the Edwards public key rides in the top
 * bit of the signature's last byte. `curve25519-js` does the curve arithmetic in pure JavaScript with
 * 16-limb float arrays (~18 ms per signature and per verification on the reference machine); here the
 * two base-point multiplications use @noble/curves' precomputed tables (~0.5 ms each) and verification is
 * OpenSSL's Ed25519 after converting the public key (~0.6 ms).
 *
 * `xeddsaSign` gives bit-for-bit the signature `curve25519-js`'s `sign(privKey, message)` gives (its
 * deterministic variant, the one libsignal calls), so the self-test can compare outputs exactly.
 */

const Point = ed25519.ExtendedPoint;
const ORDER = ed25519.CURVE.n;
const Fp = ed25519.CURVE.Fp;
const SIGN_BIT = 0x80;

function fromLittleEndian(bytes: Uint8Array): bigint {
  return BigInt(`0x${Buffer.from(bytes).reverse().toString('hex') || '0'}`);
}

function toLittleEndian32(value: bigint): Buffer {
  return Buffer.from(value.toString(16).padStart(64, '0'), 'hex').reverse();
}

function sha512(...parts: Uint8Array[]): Buffer {
  const hash = createHash('sha512');
  for (const part of parts) hash.update(part);
  return hash.digest();
}

/** The X25519 private key as the Ed25519 scalar `curve25519-js` uses (clamped, not reduced). */
function clampedScalar(privKey: Uint8Array): Buffer {
  const clamped = Buffer.from(privKey);
  clamped[0]! &= 248;
  clamped[31]! &= 127;
  clamped[31]! |= 64;
  return clamped;
}

/** Signs `message` with a 32-byte X25519 private key; returns the 64-byte signature. */
export function xeddsaSign(privKey: Uint8Array, message: Uint8Array): Buffer {
  if (privKey.byteLength !== 32) throw new RangeError(`private key must be 32 bytes, got ${privKey.byteLength}`);
  const secret = clampedScalar(privKey);
  const a = fromLittleEndian(secret);
  const publicPoint = Point.BASE.multiply(a % ORDER).toRawBytes();
  const r = fromLittleEndian(sha512(secret, message)) % ORDER;
  // r = 0 happens with probability 2^-252; multiply() refuses it, and so does everything honest.
  const nonce = Point.BASE.multiply(r).toRawBytes();
  const h = fromLittleEndian(sha512(nonce, publicPoint, message)) % ORDER;
  const s = (r + h * a) % ORDER;
  const signature = Buffer.concat([Buffer.from(nonce), toLittleEndian32(s)]);
  signature[63]! |= publicPoint[31]! & SIGN_BIT;
  return signature;
}

/** The Edwards y of a Montgomery u: y = (u − 1) / (u + 1), as `curve25519-js` converts it (1/0 taken as 0). */
function edwardsY(montgomeryU: Uint8Array): bigint {
  const u = Fp.create(fromLittleEndian(montgomeryU) & ((1n << 255n) - 1n));
  const denominator = Fp.add(u, Fp.ONE);
  if (Fp.is0(denominator)) return 0n;
  return Fp.mul(Fp.sub(u, Fp.ONE), Fp.inv(denominator));
}

/** Verifies a 64-byte signature made by `xeddsaSign` (or libsignal) for a 32-byte X25519 public key. */
export function xeddsaVerify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.byteLength !== 32 || signature.byteLength !== 64) return false;
  const edwardsKey = toLittleEndian32(edwardsY(publicKey));
  edwardsKey[31]! |= signature[63]! & SIGN_BIT;
  const plain = Buffer.from(signature);
  plain[63]! &= ~SIGN_BIT & 0xff;
  try {
    const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: edwardsKey.toString('base64url') }, format: 'jwk' });
    return verifyEd25519(null, message, key, plain);
  } catch {
    // Not a point on the curve: no signature can be valid for it.
    return false;
  }
}
