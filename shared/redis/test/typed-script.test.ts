import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { Redis } from 'ioredis';
import { cleanPrefix, freshPrefix, testRedis } from '@fleet/testing';
import { readLua, reply, TypedScript } from '../src';

describe('redis: Lua sources with includes and definitions', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'lua-'));
    mkdirSync(path.join(dir, 'lib'));
    writeFileSync(path.join(dir, 'lib', 'a.lua'), '--!include lib/b.lua\nlocal function a() return b() end\n');
    writeFileSync(path.join(dir, 'lib', 'b.lua'), 'local function b() return LIMIT end\n');
    writeFileSync(path.join(dir, 'main.lua'), '-- main\n--!define LIMIT_VALUE\n--!include lib/a.lua\n--!include lib/b.lua\nreturn a()\n');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('splices each include once (in the order first met) and each definition in place', () => {
    expect(readLua(dir, 'main', { LIMIT_VALUE: 'local LIMIT = 7' })).to.equal(
      '-- main\nlocal LIMIT = 7\nlocal function b() return LIMIT end\n\nlocal function a() return b() end\n\n\nreturn a()\n',
    );
  });

  it('throws at load for a missing definition or file, not mid-request', () => {
    expect(() => readLua(dir, 'main')).to.throw('main.lua: no definition for LIMIT_VALUE');
    expect(() => readLua(dir, 'nope')).to.throw(/ENOENT/);
  });
});

describe('redis: TypedScript (real Redis)', () => {
  let redis: Redis;
  let prefix: string;

  beforeEach(() => {
    redis = testRedis();
    prefix = freshPrefix('tscript');
  });
  afterEach(async () => {
    await cleanPrefix(redis, prefix);
    redis.disconnect();
  });

  it('builds KEYS and ARGV from a named input, parses the reply with the input at hand, and loads itself on first use', async () => {
    // A source no Redis has seen yet: the first EVALSHA answers NOSCRIPT and the script goes out as EVAL.
    const source = `-- ${randomBytes(8).toString('hex')}\nredis.call('SET', KEYS[1], ARGV[1])\nreturn {ARGV[2], 2}`;
    const script = new TypedScript<{ key: string; value: string; names: string[] }, string>({
      name: 'set-and-name',
      source,
      keys: (i) => [i.key],
      args: (i) => [i.value, 'second'],
      parse: (raw, i) => {
        const [label, index] = reply.array(raw);
        return `${reply.string(label)}:${i.names[reply.number(index) - 1] ?? ''}`;
      },
    });
    const input = { key: `${prefix}:k`, value: 'v1', names: ['a', 'b'] };
    expect(await script.run(redis, input)).to.equal('second:b');
    expect(await redis.get(`${prefix}:k`)).to.equal('v1');
    const [known] = (await redis.call('SCRIPT', 'EXISTS', createHash('sha1').update(source).digest('hex'))) as number[];
    expect(known, 'loaded by the first run').to.equal(1);
    expect(await script.run(redis, { ...input, value: 'v2' })).to.equal('second:b');
    expect(await redis.get(`${prefix}:k`)).to.equal('v2');
  });

  it('reply readers refuse what a script did not promise', () => {
    expect(reply.flag(1)).to.equal(true);
    expect(reply.flag('0')).to.equal(false);
    expect(() => reply.flag(-1)).to.throw('expected a 1/0 reply, got -1');
    expect(reply.number('12')).to.equal(12);
    expect(() => reply.number('x')).to.throw(TypeError);
    expect(() => reply.array(3)).to.throw(TypeError);
    expect(() => reply.string(null)).to.throw(TypeError);
  });
});
