import { Boom } from '@hapi/boom';
import { expect } from 'chai';
import { isBaileysRejection } from '../src/connector/baileys/rejection-guard';

describe('rejection guard: which unhandled rejections are Baileys’ own', () => {
  it('contains Booms and bare WebSocket close codes (Baileys rejects pending queries with the close code)', () => {
    expect(isBaileysRejection(new Boom('Connection Closed', { statusCode: 428 }))).to.equal(true);
    expect(isBaileysRejection(1005)).to.equal(true);
    expect(isBaileysRejection(1000)).to.equal(true);
    expect(isBaileysRejection(4999)).to.equal(true);
  });

  it('lets everything else through: Fleet’s own errors, other numbers, nothing at all', () => {
    expect(isBaileysRejection(new Error('a bug in Fleet'))).to.equal(false);
    expect(isBaileysRejection(42)).to.equal(false);
    expect(isBaileysRejection(1005.5)).to.equal(false);
    expect(isBaileysRejection('1005')).to.equal(false);
    expect(isBaileysRejection(undefined)).to.equal(false);
    expect(isBaileysRejection(null)).to.equal(false);
  });
});
