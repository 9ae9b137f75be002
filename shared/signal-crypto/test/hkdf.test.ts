import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { fastHkdf, installFastHkdf, loadBaileysCrypto } from '../src';

describe('HKDF for Baileys', () => {
  const baileys = loadBaileysCrypto();
  const original = baileys.hkdf.bind(baileys);

  it('gives the bytes Baileys’ WebCrypto hkdf gives, with and without salt and info, for every length it uses', async () => {
    const fast = fastHkdf(() => Promise.reject(new Error('fallback used')));
    for (const length of [32, 42, 64, 112, 160]) {
      for (const options of [{ salt: randomBytes(32), info: '' }, { info: 'WhatsApp Mutation Keys' }, { salt: randomBytes(13), info: 'adv_secret' }, {}]) {
        const ikm = randomBytes(1 + (length % 50));
        expect((await fast(ikm, length, options)).equals(await original(ikm, length, options))).to.equal(true, `length ${length}, ${JSON.stringify(options)}`);
      }
    }
    // Baileys also hands it plain arrays and empty key material.
    expect((await fast([1, 2, 3], 32, { info: 'x' })).equals(await original([1, 2, 3], 32, { info: 'x' }))).to.equal(true);
    expect((await fast(Buffer.alloc(0), 64, { salt: randomBytes(32) })).length).to.equal(64);
  });

  it('leaves what hkdfSync cannot do (info over 1,024 bytes, huge outputs) to the original', async () => {
    const seen: string[] = [];
    const fast = fastHkdf(async (_buffer, length, info) => {
      seen.push(`${length}/${info.info?.length ?? 0}`);
      return Buffer.alloc(length);
    });
    await fast(randomBytes(32), 32, { info: 'x'.repeat(1025) });
    await fast(randomBytes(32), 255 * 32 + 1, {});
    expect(seen).to.deep.equal(['32/1025', `${255 * 32 + 1}/0`]);
  });

  it('installs into the Baileys module every caller reads it from', async () => {
    expect(await installFastHkdf(baileys)).to.equal(true);
    expect(baileys.hkdf).to.not.equal(original);
    const ikm = randomBytes(32);
    const salt = randomBytes(32);
    expect((await baileys.hkdf(ikm, 64, { salt })).equals(await original(ikm, 64, { salt }))).to.equal(true);
  });
});
