import { createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { expect } from 'chai';
import { fastAgreement, fastKeyPair, importPrivateKey, installFastCurve, privateKeyFormat, publicKeyOf } from '../src';

/** libsignal's own implementation (DER import), as the reference. */
function derAgreement(pubKey: Uint8Array, privKey: Uint8Array): Buffer {
  const pub = pubKey.byteLength === 33 ? pubKey.subarray(1) : pubKey;
  const privateKey = createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b656e04220420', 'hex'), privKey]), format: 'der', type: 'pkcs8' });
  const publicKey = createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b656e032100', 'hex'), pub]), format: 'der', type: 'spki' });
  return diffieHellman({ privateKey, publicKey });
}

describe('fast X25519 for libsignal', () => {
  it('agrees with the DER-based agreement for random keys, both key formats', () => {
    const fast = fastAgreement(() => {
      throw new Error('fallback used');
    });
    for (let i = 0; i < 50; i += 1) {
      const ours = fastKeyPair();
      const theirs = generateKeyPairSync('x25519').publicKey.export({ format: 'jwk' });
      const theirPub = Buffer.concat([Buffer.from([5]), Buffer.from(theirs.x!, 'base64url')]);
      expect(fast(theirPub, ours.privKey)).to.deep.equal(derAgreement(theirPub, ours.privKey));
      expect(fast(theirPub.subarray(1), ours.privKey)).to.deep.equal(derAgreement(theirPub, ours.privKey));
      const raw = randomBytes(32);
      expect(fast(theirPub, raw)).to.deep.equal(derAgreement(theirPub, raw));
    }
  });

  it('agrees correctly with private keys used again, in any order, past the key cache bound', () => {
    const fast = fastAgreement(() => {
      throw new Error('fallback used');
    });
    const ours = Array.from({ length: 3 }, () => randomBytes(32));
    const theirs = Array.from({ length: 4 }, () => fastKeyPair().pubKey);
    for (let round = 0; round < 3; round += 1) {
      for (const priv of ours) for (const pub of theirs) expect(fast(pub, priv)).to.deep.equal(derAgreement(pub, priv));
      // Push the first keys out of the cache between rounds.
      if (round === 1) for (let i = 0; i < 8300; i += 1) fast(theirs[0]!, randomBytes(32));
    }
  });

  it('generates Signal key pairs whose public half matches the private one', () => {
    const a = fastKeyPair();
    const b = fastKeyPair();
    expect(a.pubKey).to.have.length(33);
    expect(a.pubKey[0]).to.equal(5);
    expect(a.privKey).to.have.length(32);
    expect(derAgreement(b.pubKey, a.privKey)).to.deep.equal(derAgreement(a.pubKey, b.privKey));
  });

  it('derives the public key OpenSSL derives from the (clamped) private key', () => {
    for (let i = 0; i < 20; i += 1) {
      const { pubKey, privKey } = fastKeyPair();
      expect(privKey[0]! & 7).to.equal(0);
      expect(privKey[31]! & 0xc0).to.equal(0x40);
      const privateKey = createPrivateKey({
        key: Buffer.concat([Buffer.from('302e020100300506032b656e04220420', 'hex'), privKey]),
        format: 'der',
        type: 'pkcs8',
      });
      const derived = createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).subarray(-32);
      expect(pubKey.subarray(1)).to.deep.equal(derived);
    }
  });

  it('imports private keys in a format this Node accepts, without the PKCS#8 decoders, as PKCS#8 would', () => {
    // Node 20 and 22 take a JWK with any `x`; Node 24 refuses that and has `raw-private` instead.
    expect(privateKeyFormat()).to.be.oneOf(['raw-private', 'jwk']);
    for (let i = 0; i < 20; i += 1) {
      const raw = randomBytes(32);
      const reference = createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b656e04220420', 'hex'), raw]), format: 'der', type: 'pkcs8' });
      expect(publicKeyOf(importPrivateKey(raw))).to.deep.equal(createPublicKey(reference).export({ format: 'der', type: 'spki' }).subarray(-32));
    }
  });

  it('hands odd inputs to the original (its checks and errors stay)', () => {
    const fast = fastAgreement(() => Buffer.from('original'));
    expect(fast(Buffer.alloc(31), Buffer.alloc(32)).toString()).to.equal('original');
    expect(fast(Buffer.alloc(32), Buffer.alloc(16)).toString()).to.equal('original');
  });

  it('installs into the libsignal that Baileys loads, which then still agrees with itself', () => {
    expect(installFastCurve().x25519).to.equal(true);
    const load = createRequire(__filename);
    const curve = (
      load(load.resolve('libsignal', { paths: [path.dirname(load.resolve('baileys'))] })) as {
        curve: { calculateAgreement(p: Uint8Array, k: Uint8Array): Buffer; generateKeyPair(): { pubKey: Buffer; privKey: Buffer } };
      }
    ).curve;
    const a = curve.generateKeyPair();
    const b = curve.generateKeyPair();
    expect(curve.calculateAgreement(a.pubKey, b.privKey)).to.deep.equal(derAgreement(b.pubKey, a.privKey));
  });
});
