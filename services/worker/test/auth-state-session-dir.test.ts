import path from 'node:path';
import { expect } from 'chai';
import { InvalidIdError, SESSION_ID_PATTERN, sessionStorageDir } from '../src/auth-state';

describe('auth-state: sessionStorageDir', () => {
  const root = '/var/lib/fleet/sessions';

  it('builds SESSION_STORAGE_PATH/workspace_<id>/<session_id>', () => {
    expect(sessionStorageDir(root, 5, 'abc_DEF-9')).to.equal(path.join(root, 'workspace_5', 'abc_DEF-9'));
    expect(sessionStorageDir('relative/root', 1, 's')).to.equal(path.resolve('relative/root', 'workspace_1', 's'));
    expect(sessionStorageDir(root, 1, 'a'.repeat(64))).to.equal(path.join(root, 'workspace_1', 'a'.repeat(64)));
  });

  it('exports the session id pattern', () => {
    expect(SESSION_ID_PATTERN.test('abc-1_2')).to.equal(true);
    expect(SESSION_ID_PATTERN.test('a.b')).to.equal(false);
  });

  for (const sessionId of ['../x', 'a/b', '', 'a'.repeat(65), '..', '.', 'a b', 'a\u0000b', 'a\\b', 'é', 7]) {
    it(`rejects session id ${JSON.stringify(String(sessionId)).slice(0, 20)}`, () => {
      expect(() => sessionStorageDir(root, 1, sessionId))
        .to.throw(InvalidIdError)
        .with.property('code', 'INVALID_ID');
    });
  }

  for (const workspaceId of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '5', '../1', null, 2 ** 31]) {
    it(`rejects workspace id ${String(workspaceId)}`, () => {
      expect(() => sessionStorageDir(root, workspaceId, 'ok'))
        .to.throw(InvalidIdError)
        .with.property('code', 'INVALID_ID');
    });
  }
});
