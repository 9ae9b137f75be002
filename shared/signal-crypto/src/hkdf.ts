import { hkdfSync } from 'node:crypto';
import path from 'node:path';
import { baileysLibDir } from './curve-module';

/**
 * Baileys derives the Noise transport keys (twice per handshake), media keys and app-state keys with
 * `Utils/crypto.hkdf`, which goes through WebCrypto: a key import and an async `deriveBits` per call,
 * ~1 ms of CPU each on the reference machine and the largest single cost before a session's QR.
 * OpenSSL's one-shot `hkdfSync` gives the same bytes for a fraction of that.
 */

export interface HkdfOptions {
  readonly salt?: Uint8Array | null;
  readonly info?: string;
}

type BaileysHkdf = (buffer: Uint8Array | ArrayLike<number>, expandedLength: number, info: HkdfOptions) => Promise<Buffer>;

/** OpenSSL's `hkdfSync` caps `info` at 1024 bytes and the output at 255 SHA-256 blocks. */
const MAX_INFO_BYTES = 1024;
const MAX_OUTPUT_BYTES = 255 * 32;

/** The same contract as Baileys' `hkdf(buffer, expandedLength, { salt, info })` (HKDF-SHA256). */
export function fastHkdf(original: BaileysHkdf): BaileysHkdf {
  return async (buffer, expandedLength, info) => {
    const infoText = info?.info ?? '';
    if (!Number.isInteger(expandedLength) || expandedLength <= 0 || expandedLength > MAX_OUTPUT_BYTES || Buffer.byteLength(infoText) > MAX_INFO_BYTES) {
      return original(buffer, expandedLength, info);
    }
    const keyMaterial = buffer instanceof Uint8Array ? buffer : new Uint8Array(buffer);
    const salt = info?.salt ? new Uint8Array(info.salt) : new Uint8Array(0);
    return Buffer.from(hkdfSync('sha256', keyMaterial, salt, infoText, expandedLength));
  };
}

/** RFC 5869 test case 1's key material and salt with an ASCII `info` (Baileys passes strings); the answer is what Baileys' own WebCrypto `hkdf` gives. */
function knownAnswerHolds(hkdf: BaileysHkdf): Promise<boolean> {
  const ikm = Buffer.alloc(22, 0x0b);
  const salt = Buffer.from('000102030405060708090a0b0c', 'hex');
  const expected = '9f2bca4d5c16ffb9036c5bdd9a2b8ccf8942873b1c07503912366f41cb9ac8fc53b8614560a6c0d85c2a';
  return hkdf(ikm, 42, { salt, info: 'abcdefghij' }).then(
    (out) => out.toString('hex') === expected,
    () => false,
  );
}

interface BaileysCryptoModule {
  hkdf: BaileysHkdf;
}

/** Baileys' `Utils/crypto` module; every caller reads `hkdf` from it at call time. */
export function loadBaileysCrypto(): BaileysCryptoModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(path.join(baileysLibDir(), 'Utils', 'crypto.js')) as BaileysCryptoModule;
}

const installedOn = new WeakMap<BaileysCryptoModule, Promise<boolean>>();

/** Swaps Baileys' WebCrypto HKDF for `hkdfSync` once its known-answer test passes; resolves to whether it did. */
export function installFastHkdf(module: BaileysCryptoModule = loadBaileysCrypto()): Promise<boolean> {
  let done = installedOn.get(module);
  if (!done) {
    const candidate = fastHkdf(module.hkdf.bind(module));
    done = knownAnswerHolds(candidate).then((ok) => {
      if (ok) module.hkdf = candidate;
      return ok;
    });
    installedOn.set(module, done);
  }
  return done;
}
