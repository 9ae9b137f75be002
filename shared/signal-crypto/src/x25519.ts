import { createPrivateKey, createPublicKey, diffieHellman, randomBytes, type KeyObject } from 'node:crypto';
import { KEY_TYPE, type CurveModule } from './curve-module';

/**
 * libsignal (under Baileys) does every X25519 agreement and key generation through DER-encoded
 * PKCS#8/SPKI keys; OpenSSL 3's DER decoders make one agreement cost ~0.5 ms of CPU, which dominates
 * session setup, the Noise handshake and first sends once thousands of sessions share a process.
 * Importing the same raw keys as JWK skips the decoders: the same OpenSSL X25519, ~5× cheaper.
 */

/** JWK import needs an `x`; OpenSSL derives the public half from `d` and does not compare them. */
const PLACEHOLDER_X = Buffer.alloc(32).toString('base64url');

/**
 * Imported private keys, most recently used last. Importing a private key costs as much as the
 * agreement itself (OpenSSL computes its public half on import), and the same private keys come back
 * all the time: a session's identity key in every new Signal session, a fresh base or ratchet key in
 * the two or three agreements right after it was made. Bounded; a key object holds nothing the
 * process does not hold already.
 */
const PRIVATE_KEY_CACHE_SIZE = 8192;
const privateKeys = new Map<string, KeyObject>();

const base64url = (raw: Uint8Array): string => Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64url');

/** Imports a raw 32-byte X25519 private key (not cached; OpenSSL computes its public half). */
export function importPrivateKey(raw: Uint8Array): KeyObject {
  return importPrivateJwk(base64url(raw));
}

function importPrivateJwk(d: string): KeyObject {
  return createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d, x: PLACEHOLDER_X }, format: 'jwk' });
}

/** Imports a raw 32-byte X25519 public key; throws on any other length. */
export function importPublicKey(raw: Uint8Array): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: base64url(raw) }, format: 'jwk' });
}

/** The raw public key of a private key object, read back from the import (no second scalar multiplication). */
export function publicKeyOf(privateKey: KeyObject): Buffer {
  const { x } = createPublicKey(privateKey).export({ format: 'jwk' });
  if (typeof x !== 'string') throw new Error('X25519 public key export without x');
  return Buffer.from(x, 'base64url');
}

function privateKeyObject(privKey: Uint8Array): KeyObject {
  const d = base64url(privKey);
  const cached = privateKeys.get(d);
  if (cached) {
    privateKeys.delete(d);
    privateKeys.set(d, cached);
    return cached;
  }
  const key = importPrivateJwk(d);
  privateKeys.set(d, key);
  if (privateKeys.size > PRIVATE_KEY_CACHE_SIZE) privateKeys.delete(privateKeys.keys().next().value!);
  return key;
}

export function fastAgreement(original: CurveModule['calculateAgreement']): CurveModule['calculateAgreement'] {
  return (pubKey, privKey) => {
    const pub = pubKey?.byteLength === 33 && pubKey[0] === KEY_TYPE ? pubKey.subarray(1) : pubKey;
    // Anything unusual (wrong lengths, missing keys) goes to the original for its own checks and errors.
    if (pub?.byteLength !== 32 || privKey?.byteLength !== 32) return original(pubKey, privKey);
    return diffieHellman({ privateKey: privateKeyObject(privKey), publicKey: importPublicKey(pub) });
  };
}

/**
 * A fresh key pair: 32 random bytes clamped as OpenSSL and curve25519-js clamp them, and the public key
 * OpenSSL computed when importing them. Not `generateKeyPairSync` + `export({ format: 'jwk' })`: on
 * Node 20 that pair can deadlock the process (the export holds the key's lock while allocating; a GC
 * during that allocation finalizes the finished key-generation job, whose destructor waits for the
 * same lock), which hung a load-test simulator for good at 0% CPU. An imported key has no such job.
 */
export function fastKeyPair(): { pubKey: Buffer; privKey: Buffer } {
  const privKey = randomBytes(32);
  privKey[0]! &= 248;
  privKey[31]! &= 127;
  privKey[31]! |= 64;
  const pub = publicKeyOf(privateKeyObject(privKey));
  return { pubKey: Buffer.concat([Buffer.from([KEY_TYPE]), pub]), privKey };
}
