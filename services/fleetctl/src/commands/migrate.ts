import { migrateWorkspace, unpinWorkspace } from '@fleet/operations';
import type { Command } from '../command';
import { formatTable } from '../format';
import { withOperations, progressTo } from '../operations-context';
import { parseOptions, parseSeconds, parseWorkspace } from '../options';
import { UsageError } from '../command';

export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'Pin a workspace to an instance and move its sessions there, reporting each one',
  usage: 'fleetctl migrate --workspace N --to INSTANCE [--timeout SECONDS] [--json]',
  async run(context) {
    const options = parseOptions(context.args, ['json'], ['workspace', 'to', 'timeout']);
    const workspace = parseWorkspace(options.value('workspace'));
    const to = options.value('to');
    if (!to) throw new UsageError('--to INSTANCE is required');
    const result = await withOperations(context, (ops) =>
      migrateWorkspace(ops, workspace, to, { timeoutMs: parseSeconds(options.value('timeout'), 120), progress: progressTo(context) }),
    );
    if (options.flag('json')) context.out.write(`${JSON.stringify(result, null, 2)}\n`);
    else {
      context.out.write(
        formatTable(
          result.sessions.map((s) => ({
            session: s.sessionId,
            instance: s.instance ?? '-',
            status: s.status,
            settled: s.settled ? 'yes' : 'NO',
            seconds: s.seconds.toFixed(1),
          })),
        ),
      );
      context.out.write(`workspace ${workspace} → ${to}: ${result.complete ? 'migrated' : 'INCOMPLETE'} (${result.sessions.length} session(s))\n`);
    }
    return result.complete ? 0 : 1;
  },
};

export const unpinCommand: Command = {
  name: 'unpin',
  summary: 'Remove a workspace pin; the ring places the workspace again',
  usage: 'fleetctl unpin --workspace N',
  async run(context) {
    const options = parseOptions(context.args, [], ['workspace']);
    const workspace = parseWorkspace(options.value('workspace'));
    const removed = await withOperations(context, (ops) => unpinWorkspace(ops, workspace));
    context.out.write(removed ? `workspace ${workspace}: unpinned\n` : `workspace ${workspace} was not pinned\n`);
    return 0;
  },
};
