import { expect } from 'chai';
import { parseRedisUrl } from '../src';

describe('redis: REDIS_URL forms', () => {
  it('passes plain and TLS URLs through', () => {
    expect(parseRedisUrl('redis://127.0.0.1:6379')).to.deep.equal({ kind: 'direct', url: 'redis://127.0.0.1:6379' });
    expect(parseRedisUrl('rediss://user:pw@redis.example:6380/2').kind).to.equal('direct');
  });

  it('reads sentinels, the master name, a password and a db', () => {
    expect(parseRedisUrl('redis-sentinel://:s3cret@10.0.0.1:26379,10.0.0.2:26380/fleet?db=3')).to.deep.equal({
      kind: 'sentinel',
      sentinels: [
        { host: '10.0.0.1', port: 26379 },
        { host: '10.0.0.2', port: 26380 },
      ],
      name: 'fleet',
      password: 's3cret',
      db: 3,
    });
  });

  it('names what is wrong', () => {
    expect(() => parseRedisUrl('http://x')).to.throw(/redis-sentinel:\/\//);
    expect(() => parseRedisUrl('redis-sentinel://a:b/fleet')).to.throw(/host:port/);
    expect(() => parseRedisUrl('redis-sentinel://a:1')).to.throw();
  });
});
