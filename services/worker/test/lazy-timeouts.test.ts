import { Boom } from '@hapi/boom';
import { expect } from 'chai';
import { installLazyTimeouts, lazyPromiseTimeout } from '../src/connector/baileys/lazy-timeouts';

describe('lazy promiseTimeout for Baileys', () => {
  it('resolves and rejects as the executor does, before the timeout', async () => {
    expect(await lazyPromiseTimeout(1_000, (resolve) => setTimeout(() => resolve('done'), 5))).to.equal('done');
    const failure = new Error('executor failed');
    let caught: unknown;
    await lazyPromiseTimeout(1_000, (_resolve, reject) => reject(failure)).catch((error: unknown) => {
      caught = error;
    });
    expect(caught).to.equal(failure);
  });

  it('rejects a synchronous throw from the executor instead of throwing', async () => {
    let caught: unknown;
    await lazyPromiseTimeout(1_000, () => {
      throw new Error('sync');
    }).catch((error: unknown) => {
      caught = error;
    });
    expect((caught as Error).message).to.equal('sync');
  });

  it('times out with Boom 408 carrying the caller’s stack, as Baileys does', async function callerOfTheTimeout() {
    let caught: unknown;
    await lazyPromiseTimeout(20, () => undefined).catch((error: unknown) => {
      caught = error;
    });
    expect(caught).to.be.instanceOf(Boom);
    const boom = caught as Boom<{ stack: string }>;
    expect(boom.message).to.equal('Timed Out');
    expect(boom.output.statusCode).to.equal(408);
    expect(boom.data?.stack).to.include('callerOfTheTimeout');
  });

  it('with no timeout it is a plain promise', async () => {
    expect(await lazyPromiseTimeout(undefined, (resolve) => resolve(7))).to.equal(7);
  });

  it('installs into the pinned Baileys, whose queries then go through it', () => {
    expect(installLazyTimeouts()).to.equal(true);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const utils = require('baileys') as { promiseTimeout: unknown };
    expect(utils.promiseTimeout).to.equal(lazyPromiseTimeout);
  });
});
