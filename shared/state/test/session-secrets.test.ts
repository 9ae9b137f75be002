import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { ConfigError } from '@fleet/errors';
import { EnvReader } from '@fleet/config';
import { parseProxyUrl, readSessionSecretsSettings, SessionSecretError, SessionSecrets } from '../src';

const read = (env: Record<string, string>) => {
  const reader = new EnvReader(env);
  return reader.finish({ secrets: readSessionSecretsSettings(reader) }).secrets;
};

describe('state: session secrets (sealed proxy URLs)', () => {
  const secrets = new SessionSecrets(randomBytes(32));

  it('seals with AES-256-GCM bound to the session: it opens there, not for another session or key, nor tampered', () => {
    const sealed = secrets.seal('socks5://alice:s3cret@proxy.example:1080', 's1');
    expect(sealed).to.match(/^v1\.[A-Za-z0-9_-]+$/);
    expect(sealed).not.to.contain('s3cret');
    expect(secrets.open(sealed, 's1')).to.equal('socks5://alice:s3cret@proxy.example:1080');
    expect(secrets.seal('x', 's1')).to.not.equal(secrets.seal('x', 's1'));
    expect(() => secrets.open(sealed, 's2')).to.throw(SessionSecretError);
    expect(() => new SessionSecrets(randomBytes(32)).open(sealed, 's1')).to.throw(SessionSecretError);
    const bytes = Buffer.from(sealed.slice(3), 'base64url');
    bytes[bytes.length - 1]! ^= 1;
    expect(() => secrets.open(`v1.${bytes.toString('base64url')}`, 's1')).to.throw(SessionSecretError);
    expect(() => secrets.open('v2.abc', 's1')).to.throw(SessionSecretError);
    try {
      secrets.open(sealed, 's2');
    } catch (error) {
      expect((error as SessionSecretError).code).to.equal('SESSION_SECRET_UNREADABLE');
    }
  });

  it('seals a proxy with its scheme and host in the clear, and refuses URLs that are not proxies, without quoting them', () => {
    const proxy = secrets.sealProxy('http://user:pw@10.1.2.3:3128', 's1');
    expect(proxy).to.include({ scheme: 'http', host: '10.1.2.3:3128' });
    expect(secrets.open(proxy.sealed, 's1')).to.equal('http://user:pw@10.1.2.3:3128');
    for (const url of ['https://p.example', 'socks5://p.example:1080', 'socks5h://u:p@p.example:1080', 'http://p.example:8080/']) {
      expect(parseProxyUrl(url), url).to.be.an('object');
    }
    for (const url of [
      'ftp://p.example',
      'socks4://p.example',
      'http://p.example/path',
      'http://p.example?x=1',
      'not a url',
      'http://:pw@p.example',
      'file:///etc/passwd',
    ]) {
      const problem = parseProxyUrl(url);
      expect(problem, url).to.be.a('string');
      expect(problem as string).to.not.contain('p.example');
    }
  });

  it('reads SESSION_SECRETS_KEY as hex or base64, requires it in production and makes one up elsewhere', () => {
    const key = randomBytes(32);
    const hex = key.toString('hex');
    expect(read({ SESSION_SECRETS_KEY: hex })).to.deep.equal({ key: hex, generated: false });
    expect(read({ SESSION_SECRETS_KEY: key.toString('base64') })).to.deep.equal({ key: hex, generated: false });
    const made = read({});
    expect(made.generated).to.equal(true);
    expect(made.key).to.match(/^[0-9a-f]{64}$/);
    expect(() => read({ SESSION_SECRETS_KEY: 'short' })).to.throw(ConfigError, /SESSION_SECRETS_KEY must be 32 bytes/);
    expect(() => read({ NODE_ENV: 'production' })).to.throw(ConfigError, /SESSION_SECRETS_KEY is required when NODE_ENV=production/);
  });
});
