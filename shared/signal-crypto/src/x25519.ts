import { createPrivateKey, createPublicKey, diffieHellman, randomBytes, type KeyObject, type PrivateKeyInput } from 'node:crypto';
import { KEY_TYPE, type CurveModule } from './curve-module';

/**
 * libsignal (under Baileys) does every X25519 agreement and key generation through DER-encoded
 * PKCS#8/SPKI keys; OpenSSL 3.0's DER decoders (Node 20) make one agreement cost ~0.5 ms of CPU, which
 * dominates session setup, the Noise handshake and first sends once thousands of sessions share a
 * process. Importing the same raw keys another way skips the decoders: the same OpenSSL X25519, ~5× cheaper.
 */

/** How a raw 32-byte private key becomes a key object; the one used is chosen once, by `privateKeyFormat`. */
export type PrivateKeyFormat = 'raw-private' | 'jwk' | 'pkcs8';

/** JWK import needs an `x`; Node 20 and 22 let OpenSSL derive the public half from `d` and do not compare them. */
const PLACEHOLDER_X = Buffer.alloc(32).toString('base64url');
const PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

const asBuffer = (raw: Uint8Array): Buffer => Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
const base64url = (raw: Uint8Array): string => asBuffer(raw).toString('base64url');

/**
 * The ways to import a raw private key, cheapest first:
 * - `raw-private` (Node 24.15 and later): the bytes as they are;
 * - JWK with a placeholder `x` (Node 20 and 22): Node 24 (24.22.3 at least) refuses a private JWK whose
 *   `x` is not the public key of its `d` (RFC 8037), and that public key is what the import is for;
 * - PKCS#8 DER, which every Node accepts (what libsignal does; with OpenSSL 3.5, in Node 22 and 24, its
 *   decoders no longer cost much more than the other imports).
 */
const PRIVATE_KEY_IMPORTS: ReadonlyArray<readonly [PrivateKeyFormat, (raw: Uint8Array) => KeyObject]> = [
  // `raw-private` is newer than the @types/node this repository builds against (Node 20).
  ['raw-private', (raw) => createPrivateKey({ key: asBuffer(raw), format: 'raw-private', asymmetricKeyType: 'x25519' } as unknown as PrivateKeyInput)],
  ['jwk', (raw) => createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: base64url(raw), x: PLACEHOLDER_X }, format: 'jwk' })],
  ['pkcs8', (raw) => createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, raw]), format: 'der', type: 'pkcs8' })],
];

/** RFC 7748 section 6.1: Alice's private key and its public key. */
const KNOWN_PRIVATE = Buffer.from('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a', 'hex');
const KNOWN_PUBLIC = Buffer.from('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a', 'hex');

let chosen: (typeof PRIVATE_KEY_IMPORTS)[number] | undefined;

/** The first import this Node accepts that gives the known public key (PKCS#8 when none does, as libsignal). */
function privateKeyImport(): (typeof PRIVATE_KEY_IMPORTS)[number] {
  chosen ??=
    PRIVATE_KEY_IMPORTS.find(([, importer]) => {
      try {
        return publicKeyOf(importer(KNOWN_PRIVATE)).equals(KNOWN_PUBLIC);
      } catch {
        return false;
      }
    }) ?? PRIVATE_KEY_IMPORTS[PRIVATE_KEY_IMPORTS.length - 1]!;
  return chosen;
}

/** The private key import this Node uses (chosen on first use by a known-answer test). */
export function privateKeyFormat(): PrivateKeyFormat {
  return privateKeyImport()[0];
}

/**
 * Imported private keys, most recently used last. Importing a private key costs as much as the
 * agreement itself (OpenSSL computes its public half on import), and the same private keys come back
 * all the time: a session's identity key in every new Signal session, a fresh base or ratchet key in
 * the two or three agreements right after it was made. Bounded; a key object holds nothing the
 * process does not hold already.
 */
const PRIVATE_KEY_CACHE_SIZE = 8192;
const privateKeys = new Map<string, KeyObject>();

/** Imports a raw 32-byte X25519 private key (not cached; OpenSSL computes its public half). */
export function importPrivateKey(raw: Uint8Array): KeyObject {
  return privateKeyImport()[1](raw);
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
  const key = importPrivateKey(privKey);
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
