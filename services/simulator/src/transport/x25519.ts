/**
 * X25519 for the Noise handshake on OpenSSL key objects, each key imported once: the server's static key
 * once per simulator, a handshake's ephemeral key and the client's two public keys once per handshake.
 * (Baileys' `Curve.sharedKey` takes raw bytes and imports both keys again for every agreement.) The
 * imports are @fleet/signal-crypto's (raw or JWK: OpenSSL 3.0's DER decoders cost as much as the agreement).
 */
import { diffieHellman, randomBytes, type KeyObject } from 'node:crypto';
import { importPrivateKey, publicKeyOf } from '@fleet/signal-crypto';

export { importPublicKey } from '@fleet/signal-crypto';

/** A Curve25519 key pair: the raw public key for the wire, the private key ready for agreements. */
export interface KeyPair {
  readonly public: Buffer;
  readonly private: KeyObject;
}

/**
 * A fresh key pair: 32 random bytes (X25519 clamps the scalar itself), imported once; its public key is
 * the one OpenSSL computed on import. Not put in signal-crypto's cache of private keys: an ephemeral
 * key would only push out the Signal keys it holds.
 */
export function generateKeyPair(): KeyPair {
  const privateKey = importPrivateKey(randomBytes(32));
  return { public: publicKeyOf(privateKey), private: privateKey };
}

/** X25519(private, public); throws on an all-zero result (a low-order public key), as libsignal's agreement does. */
export function sharedKey(privateKey: KeyObject, publicKey: KeyObject): Buffer {
  return diffieHellman({ privateKey, publicKey });
}
