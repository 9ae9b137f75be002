import { expect } from 'chai';
import { assertSessionId, assertWorkspaceId, InvalidIdError } from '../src';

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
});
