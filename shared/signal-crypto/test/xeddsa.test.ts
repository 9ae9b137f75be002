import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import * as reference from 'curve25519-js';
import { fastKeyPair, installFastCurve, loadBaileysCurve, xeddsaSign, xeddsaVerify } from '../src';

const publicOf = (privKey: Buffer): Buffer => Buffer.from(reference.generateKeyPair(privKey).public);

describe('XEdDSA signatures for libsignal', () => {
  it('gives bit for bit the signature curve25519-js gives, for random keys and message lengths', () => {
    for (let i = 0; i < 40; i += 1) {
      const privKey = randomBytes(32);
      const message = randomBytes(1 + ((i * 7) % 200));
      expect(xeddsaSign(privKey, message).equals(Buffer.from(reference.sign(privKey, message, undefined)))).to.equal(true, `key ${privKey.toString('hex')}`);
    }
  });

  it('verifies what curve25519-js signs, and curve25519-js verifies what it signs', () => {
    for (let i = 0; i < 20; i += 1) {
      const { privKey, pubKey } = fastKeyPair();
      const message = randomBytes(33);
      const theirs = Buffer.from(reference.sign(privKey, message, undefined));
      expect(xeddsaVerify(pubKey.subarray(1), message, theirs)).to.equal(true);
      expect(reference.verify(pubKey.subarray(1), message, xeddsaSign(privKey, message))).to.equal(true);
    }
  });

  it('refuses a changed message, a changed signature, another key and malformed input', () => {
    const { privKey, pubKey } = fastKeyPair();
    const key = pubKey.subarray(1);
    const message = randomBytes(33);
    const signature = xeddsaSign(privKey, message);
    expect(xeddsaVerify(key, message, signature)).to.equal(true);
    const otherMessage = Buffer.from(message);
    otherMessage[0]! ^= 1;
    expect(xeddsaVerify(key, otherMessage, signature)).to.equal(false);
    for (const index of [0, 31, 32, 63]) {
      const changed = Buffer.from(signature);
      changed[index]! ^= 0x80;
      expect(xeddsaVerify(key, message, changed)).to.equal(false, `byte ${index} flipped`);
    }
    expect(xeddsaVerify(fastKeyPair().pubKey.subarray(1), message, signature)).to.equal(false);
    expect(xeddsaVerify(key.subarray(1), message, signature)).to.equal(false);
    expect(xeddsaVerify(key, message, signature.subarray(1))).to.equal(false);
    expect(() => xeddsaSign(privKey.subarray(1), message)).to.throw(RangeError);
  });

  it('agrees with curve25519-js on public keys whose Edwards form is odd or even (the sign bit in byte 63)', () => {
    const seen = new Set<number>();
    for (let i = 0; seen.size < 2 && i < 64; i += 1) {
      const privKey = randomBytes(32);
      const message = randomBytes(16);
      const signature = xeddsaSign(privKey, message);
      seen.add(signature[63]! & 0x80);
      expect(xeddsaVerify(publicOf(privKey), message, signature)).to.equal(true);
    }
    expect([...seen].sort()).to.deep.equal([0, 0x80]);
  });

  it('installs into the libsignal Baileys loads: signatures stay verifiable by the original code', () => {
    const curve = loadBaileysCurve();
    expect(installFastCurve(curve)).to.deep.equal({ x25519: true, xeddsa: true });
    const pair = curve.generateKeyPair();
    const message = randomBytes(33);
    const signature = curve.calculateSignature(pair.privKey, message);
    expect(reference.verify(pair.pubKey.subarray(1), message, signature)).to.equal(true);
    expect(curve.verifySignature(pair.pubKey, message, signature)).to.equal(true);
    expect(curve.verifySignature(pair.pubKey, randomBytes(33), signature)).to.equal(false);
    // libsignal's own argument checks still run for malformed keys.
    expect(() => curve.verifySignature(Buffer.alloc(10) as Buffer, message, signature)).to.throw(/public key/i);
  });
});
