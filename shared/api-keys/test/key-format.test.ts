import { expect } from 'chai';
import { generateKey, hashSecret, looksLikeWorkspaceKey, parseKey } from '../src';

describe('api-keys: key format', () => {
  it('makes fk_<id>_<secret> keys with 32 random bytes of secret, parsed back to id and secret', () => {
    const a = generateKey();
    const b = generateKey();
    expect(a.key).to.match(/^fk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(a.key).to.not.equal(b.key);
    const parsed = parseKey(a.key);
    expect(parsed?.id).to.equal(a.id);
    expect(Buffer.from(parsed!.secret, 'base64url')).to.have.length(32);
    expect(hashSecret(parsed!.secret)).to.equal(a.secretHash);
    expect(looksLikeWorkspaceKey(a.key)).to.equal(true);
  });

  it('refuses anything else', () => {
    const { key } = generateKey();
    for (const token of ['', 'fk_', key.slice(0, -1), `${key}x`, key.replace('fk_', 'fx_'), key.toUpperCase(), 'test-key-0123456789abcdef']) {
      expect(parseKey(token), token).to.equal(undefined);
    }
  });
});
