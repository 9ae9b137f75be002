import path from 'node:path';
import type { Keys } from '@fleet/keys';
import { readLua, reply, TypedScript } from '@fleet/redis';

/** The key store's Lua files (`lua/`, beside `src/`; found from `dist/src` too). */
const LUA_DIR = path.resolve(__dirname, '..', '..', 'lua');
const source = (name: string): string => readLua(LUA_DIR, name);

export interface CreateKeyInput {
  readonly keys: Keys;
  readonly id: string;
  readonly workspaceId: number;
  readonly name: string;
  readonly scopes: readonly string[];
  readonly secretHash: string;
  readonly createdAt: number;
}

export const createKeyScript = new TypedScript<CreateKeyInput, boolean>({
  name: 'api-keys/create',
  source: source('create'),
  keys: (input) => [input.keys.apiKey(input.id), input.keys.apiKeys, input.keys.workspaceApiKeys(input.workspaceId)],
  args: (input) => [input.id, input.workspaceId, input.name, input.scopes.join(','), input.secretHash, input.createdAt, input.keys.apiKeysChannel],
  parse: (value) => reply.flag(value),
});

export const revokeKeyScript = new TypedScript<{ keys: Keys; id: string; now: number }, number | undefined>({
  name: 'api-keys/revoke',
  source: source('revoke'),
  keys: (input) => [input.keys.apiKey(input.id)],
  args: (input) => [input.now, input.keys.apiKeysChannel, input.id],
  parse: (value) => {
    const at = reply.number(value);
    return at === 0 ? undefined : at;
  },
});

export const touchKeyScript = new TypedScript<{ keys: Keys; id: string; at: number }, boolean>({
  name: 'api-keys/touch',
  source: source('touch'),
  keys: (input) => [input.keys.apiKey(input.id)],
  args: (input) => [input.at],
  parse: (value) => reply.flag(value),
});
