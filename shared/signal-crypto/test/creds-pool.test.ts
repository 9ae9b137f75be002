import { expect } from 'chai';
import { CredsPool } from '../src';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const idOf = (creds: { signedIdentityKey: { public: Uint8Array } }): string => Buffer.from(creds.signedIdentityKey.public).toString('hex');

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i += 1) await sleep(20);
}

describe('credentials made ahead of need', () => {
  it('fills while idle, hands out each set once, and makes one on the spot when empty', async () => {
    const pool = new CredsPool({ size: 6, checkMs: 20 });
    try {
      const made = pool.take();
      expect(pool.available, 'nothing before start').to.equal(0);
      pool.start();
      await until(() => pool.available === 6);
      expect(pool.available).to.equal(6);
      const taken = [made, ...Array.from({ length: 8 }, () => pool.take())];
      expect(pool.available, 'two of the eight were made on the spot').to.equal(0);
      expect(new Set(taken.map(idOf)).size, 'no set handed out twice').to.equal(9);
      expect(taken.every((creds) => creds.signedPreKey.signature.length === 64 && creds.registered === false)).to.equal(true);
    } finally {
      pool.close();
    }
  });

  it('fills nothing while the process is busy, and a pool of 0 never fills', async () => {
    let idle = false;
    const busy = new CredsPool({ size: 4, checkMs: 20, isIdle: () => idle });
    const off = new CredsPool({ size: 0, checkMs: 20 });
    try {
      busy.start();
      off.start();
      await sleep(200);
      expect(busy.available, 'busy: nothing made').to.equal(0);
      idle = true;
      await until(() => busy.available === 4);
      expect(busy.available, 'idle: filled').to.equal(4);
      expect(off.available).to.equal(0);
    } finally {
      busy.close();
      off.close();
    }
  });
});
