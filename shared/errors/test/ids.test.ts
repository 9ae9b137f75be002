import { expect } from 'chai';
import { assertSessionId, assertWorkspaceId, InvalidIdError, parseWorkspaceId } from '../src';

describe('errors: id validation (ids reach file paths)', () => {
  it('accepts ordinary ids', () => {
    expect(assertSessionId('sess_42-A')).to.equal('sess_42-A');
    expect(assertWorkspaceId(5)).to.equal(5);
  });

  for (const bad of ['../etc', 'a/b', '', 'x'.repeat(65), 'a b', '..', 'a\\b', 'é']) {
    it(`rejects session id ${JSON.stringify(bad)}`, () => {
      expect(() => assertSessionId(bad)).to.throw(InvalidIdError);
    });
  }

  for (const bad of [0, -1, 1.5, Number.NaN, 2 ** 31, '5']) {
    it(`rejects workspace id ${JSON.stringify(bad)}`, () => {
      expect(() => assertWorkspaceId(bad)).to.throw(InvalidIdError);
    });
  }

  it('reads a workspace id written as text in its decimal form', () => {
    expect(parseWorkspaceId('16')).to.equal(16);
    expect(parseWorkspaceId('2147483647')).to.equal(2147483647);
  });

  for (const bad of ['0x10', '1e3', '0b11', '0o7', '16.0', '+16', '-16', '016', '0', ' 16', '16 ', '1_000', '', '2147483648', '99999999999']) {
    it(`refuses workspace id text ${JSON.stringify(bad)}`, () => {
      expect(() => parseWorkspaceId(bad)).to.throw(InvalidIdError);
    });
  }
});
