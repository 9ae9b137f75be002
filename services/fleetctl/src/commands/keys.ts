import { ApiKeyStore, SCOPES, type ApiKeyRecord } from '@fleet/api-keys';
import { UsageError, type Command } from '../command';
import { formatTable } from '../format';
import { parseOptions, parseWorkspace } from '../options';

const USAGE = [
  'fleetctl keys create --workspace ID [--name NAME] [--scopes SCOPE,…] [--json]',
  '       fleetctl keys list [--workspace ID] [--json]',
  '       fleetctl keys revoke KEY_ID',
  `scopes: ${SCOPES.join(', ')} (none given: all of them)`,
].join('\n');

const time = (ms: number | null): string => (ms === null ? '-' : new Date(ms).toISOString());

const row = (record: ApiKeyRecord) => ({
  id: record.id,
  workspace: record.workspaceId,
  name: record.name ?? '-',
  scopes: record.scopes.join(','),
  created: time(record.createdAt),
  last_used: time(record.lastUsedAt),
  revoked: time(record.revokedAt),
});

const json = (record: ApiKeyRecord) => ({
  id: record.id,
  workspace_id: record.workspaceId,
  name: record.name,
  scopes: [...record.scopes],
  created_at: record.createdAt,
  last_used_at: record.lastUsedAt,
  revoked_at: record.revokedAt,
});

/** Workspace API keys, as `POST/GET/DELETE /api/admin/keys` (the same store, straight in Redis). */
export const keysCommand: Command = {
  name: 'keys',
  summary: 'Create (shown once), list and revoke workspace API keys',
  usage: USAGE,
  async run({ args, redis, keys, out }) {
    const [action, ...rest] = args;
    const store = new ApiKeyStore(redis, keys);
    if (action === 'create') {
      const options = parseOptions(rest, ['json'], ['workspace', 'name', 'scopes']);
      if (options.positional.length > 0) throw new UsageError(`unexpected argument ${options.positional[0]}`);
      const scopes = options
        .value('scopes')
        ?.split(',')
        .map((scope) => scope.trim())
        .filter(Boolean);
      const { record, key } = await store.create({ workspaceId: parseWorkspace(options.value('workspace')), name: options.value('name'), scopes });
      if (options.flag('json')) out.write(`${JSON.stringify({ ...json(record), key }, null, 2)}\n`);
      else out.write(`${formatTable([row(record)])}\nkey (shown this once; only its hash is stored):\n${key}\n`);
      return 0;
    }
    if (action === 'list') {
      const options = parseOptions(rest, ['json'], ['workspace']);
      const workspace = options.value('workspace');
      const records = await store.list({ workspaceId: workspace === undefined ? undefined : parseWorkspace(workspace) });
      out.write(options.flag('json') ? `${JSON.stringify({ keys: records.map(json) }, null, 2)}\n` : formatTable(records.map(row)));
      return 0;
    }
    if (action === 'revoke') {
      const options = parseOptions(rest, [], []);
      const id = options.positional[0];
      if (!id || options.positional.length > 1) throw new UsageError('KEY_ID is required (one)');
      const revokedAt = await store.revoke(id);
      if (revokedAt === undefined) {
        out.write(`no API key ${id}\n`);
        return 1;
      }
      out.write(`${id}: revoked at ${time(revokedAt)}; every ingress refuses it within a second or two\n`);
      return 0;
    }
    throw new UsageError(action ? `unknown action "${action}"` : 'an action is required: create, list or revoke');
  },
};
