import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import type { Redis } from 'ioredis';
import { ApiKeyStore, hashSecret, parseKey } from '@fleet/api-keys';
import { createKeys } from '@fleet/keys';
import { cleanPrefix, freshPrefix, testRedis, TEST_REDIS_URL } from '@fleet/testing';
import { runCli } from '../src';

async function cli(prefix: string, argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let outText = '';
  let errText = '';
  out.on('data', (chunk: Buffer) => (outText += chunk.toString()));
  err.on('data', (chunk: Buffer) => (errText += chunk.toString()));
  const code = await runCli(argv, { env: { REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix }, out, err });
  return { code, out: outText, err: errText };
}

describe('fleetctl keys (real Redis)', function () {
  this.timeout(30_000);
  let redis: Redis;
  let prefix: string;

  beforeEach(() => {
    redis = testRedis();
    prefix = freshPrefix('ctlk');
  });

  afterEach(async () => {
    await cleanPrefix(redis, prefix);
    redis.disconnect();
  });

  it('creates a key (printed once), lists it without its secret, and revokes it', async () => {
    const created = await cli(prefix, ['keys', 'create', '--workspace', '5', '--name', 'crm', '--scopes', 'sessions:read,messages:send']);
    expect(created.code, created.err).to.equal(0);
    const key = /^(fk_\S+)$/m.exec(created.out)?.[1];
    const parsed = parseKey(key ?? '');
    expect(parsed, created.out).to.not.equal(undefined);
    const stored = await new ApiKeyStore(redis, createKeys(prefix)).get(parsed!.id);
    expect(stored).to.deep.include({ workspaceId: 5, name: 'crm', scopes: ['sessions:read', 'messages:send'], secretHash: hashSecret(parsed!.secret) });

    const json = await cli(prefix, ['keys', 'create', '--workspace', '6', '--json']);
    const made = JSON.parse(json.out) as { id: string; key: string; scopes: string[] };
    expect(made.key).to.match(new RegExp(`^fk_${made.id}_`));
    expect(made.scopes).to.have.length(5);

    const list = await cli(prefix, ['keys', 'list', '--workspace', '5']);
    expect(list.code).to.equal(0);
    expect(list.out).to.match(new RegExp(`${parsed!.id}\\s+5\\s+crm\\s+sessions:read,messages:send`));
    expect(list.out).to.not.contain(parsed!.secret);
    expect(list.out).to.not.contain(made.id);
    const all = JSON.parse((await cli(prefix, ['keys', 'list', '--json'])).out) as { keys: Array<{ id: string; revoked_at: number | null }> };
    expect(all.keys.map((k) => k.id)).to.deep.equal([parsed!.id, made.id]);

    const revoked = await cli(prefix, ['keys', 'revoke', parsed!.id]);
    expect(revoked.code).to.equal(0);
    expect(revoked.out).to.contain('revoked at');
    const after = JSON.parse((await cli(prefix, ['keys', 'list', '--workspace', '5', '--json'])).out) as { keys: Array<{ revoked_at: number | null }> };
    expect(after.keys[0]!.revoked_at).to.be.a('number');
  });

  it('refuses usage mistakes (exit 2) and unknown keys (exit 1)', async () => {
    expect((await cli(prefix, ['keys'])).code).to.equal(2);
    expect((await cli(prefix, ['keys', 'rotate'])).code).to.equal(2);
    expect((await cli(prefix, ['keys', 'create'])).code).to.equal(2);
    expect((await cli(prefix, ['keys', 'revoke'])).code).to.equal(2);
    const badScope = await cli(prefix, ['keys', 'create', '--workspace', '5', '--scopes', 'everything']);
    expect(badScope.code).to.equal(1);
    expect(badScope.err).to.contain('unknown scope: everything');
    const unknown = await cli(prefix, ['keys', 'revoke', '0123456789abcdef']);
    expect(unknown.code).to.equal(1);
    expect(unknown.out).to.contain('no API key');
  });
});
