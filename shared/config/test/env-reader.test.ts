import { expect } from 'chai';
import { ConfigError } from '@fleet/errors';
import { EnvReader, readCommon } from '../src';

describe('config: EnvReader', () => {
  it('applies defaults and freezes the result', () => {
    const reader = new EnvReader({});
    const config = reader.finish({ common: readCommon(reader), port: reader.int('PORT', 3000) });
    expect(config.port).to.equal(3000);
    expect(config.common.redisUrl).to.equal('redis://127.0.0.1:6379');
    expect(Object.isFrozen(config)).to.equal(true);
    expect(Object.isFrozen(config.common)).to.equal(true);
  });

  it('names every bad variable at once', () => {
    const reader = new EnvReader({ PORT: 'eighty', REDIS_URL: 'http://x', LOG_LEVEL: 'loud', FLAG: 'maybe' });
    readCommon(reader);
    reader.int('PORT', 3000, { min: 0, max: 65535 });
    reader.bool('FLAG', false);
    reader.requiredString('INSTANCE_ID');
    try {
      reader.finish({});
      expect.fail('finish() should have thrown');
    } catch (error) {
      expect(error).to.be.instanceOf(ConfigError);
      const problems = (error as ConfigError).problems.join('\n');
      for (const name of ['PORT', 'REDIS_URL', 'LOG_LEVEL', 'FLAG', 'INSTANCE_ID']) expect(problems).to.contain(name);
    }
  });

  it('rejects integers out of range and parses lists', () => {
    const reader = new EnvReader({ N: '70000', KEYS: ' a, ,b ' });
    reader.int('N', 1, { max: 65535 });
    expect(reader.list('KEYS')).to.deep.equal(['a', 'b']);
    expect(() => reader.finish({})).to.throw(ConfigError, /N must be an integer/);
  });
});
