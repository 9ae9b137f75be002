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

function privateKeyObject(privKey: Uint8Array): KeyObject {
  const d = Buffer.from(privKey).toString('base64url');
  const cached = privateKeys.get(d);
  if (cached) {
    privateKeys.delete(d);
    privateKeys.set(d, cached);
    return cached;
  }
  const key = createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d, x: PLACEHOLDER_X }, format: 'jwk' });
  privateKeys.set(d, key);
  if (privateKeys.size > PRIVATE_KEY_CACHE_SIZE) privateKeys.delete(privateKeys.keys().next().value!);
  return key;
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

/** The X25519 base point (u = 9): agreeing with it gives a private key's public key. */
const BASE_POINT = publicKeyObject(Buffer.concat([Buffer.from([9]), Buffer.alloc(31)]));

/**
 * A fresh key pair: 32 random bytes clamped as OpenSSL and curve25519-js clamp them, and the public key
 * as X25519(private, 9). Not `generateKeyPairSync` + `export({ format: 'jwk' })`: on Node 20 that pair
 * can deadlock the process (the export holds the key's lock while allocating; a GC during that
 * allocation finalizes the finished key-generation job, whose destructor waits for the same lock),
 * which hung a load-test simulator for good at 0% CPU. Importing keys and agreeing takes no such lock.
 */
export function fastKeyPair(): { pubKey: Buffer; privKey: Buffer } {
  const privKey = randomBytes(32);
  privKey[0]! &= 248;
  privKey[31]! &= 127;
  privKey[31]! |= 64;
  const pub = diffieHellman({ privateKey: privateKeyObject(privKey), publicKey: BASE_POINT });
  return { pubKey: Buffer.concat([Buffer.from([KEY_TYPE]), pub]), privKey };
}
