/**
 * X25519 for the Noise handshake on OpenSSL key objects, each key imported once: the server's static key
 * once per simulator, a handshake's ephemeral key and the client's two public keys once per handshake.
 * (Baileys' `Curve.sharedKey` takes raw bytes and imports both keys again for every agreement.) Keys are
 * imported as JWK: OpenSSL's DER decoders cost as much as the agreement itself (see @fleet/signal-crypto).
 */
import { createPrivateKey, createPublicKey, diffieHellman, randomBytes, type KeyObject } from 'node:crypto'

/** A Curve25519 key pair: the raw public key for the wire, the private key ready for agreements. */
export interface KeyPair {
  readonly public: Buffer
  readonly private: KeyObject
}

/** JWK import of a private key needs an `x`; OpenSSL derives the public half from `d` and ignores it. */
const PLACEHOLDER_X = Buffer.alloc(32).toString('base64url')

/**
 * A fresh key pair. The private key is 32 random bytes (X25519 clamps the scalar itself); importing it
 * computes the public key, and the JWK export reads that back: one scalar multiplication, not a second
 * one with the base point. Not `generateKeyPairSync`: on Node 20, exporting a generated key can deadlock
 * in GC (the finished key-generation job's destructor waits for the lock the export holds); an imported
 * key has no such job.
 */
export function generateKeyPair(): KeyPair {
  const d = randomBytes(32).toString('base64url')
  const privateKey = createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d, x: PLACEHOLDER_X }, format: 'jwk' })
  const { x } = createPublicKey(privateKey).export({ format: 'jwk' })
  if (typeof x !== 'string') throw new Error('X25519 public key export without x')
  return { public: Buffer.from(x, 'base64url'), private: privateKey }
}

/** Imports a peer's raw 32-byte public key; throws on any other length. */
export function importPublicKey(raw: Uint8Array): KeyObject {
  const x = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64url')
  return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x }, format: 'jwk' })
}

/** X25519(private, public); throws on an all-zero result (a low-order public key), as libsignal's agreement does. */
export function sharedKey(privateKey: KeyObject, publicKey: KeyObject): Buffer {
  return diffieHellman({ privateKey, publicKey })
}
