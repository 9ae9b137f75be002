import { drainInstance } from '@fleet/operations';
import { UsageError, type Command } from '../command';
import { formatTable } from '../format';
import { withOperations, progressTo } from '../operations-context';
import { parseOptions, parseSeconds } from '../options';

export const drainCommand: Command = {
  name: 'drain',
  summary: 'Move every session off an instance (it stays up, idle) or, with --undo, put it back in service',
  usage: 'fleetctl drain INSTANCE [--undo] [--timeout SECONDS]',
  async run(context) {
    const options = parseOptions(context.args, ['undo'], ['timeout']);
    const instance = options.positional[0];
    if (!instance) throw new UsageError('INSTANCE is required');
    const result = await withOperations(context, (ops) =>
      drainInstance(ops, instance, { undo: options.flag('undo'), timeoutMs: parseSeconds(options.value('timeout'), 120), progress: progressTo(context) }),
    );
    if (result.sessions.length > 0) {
      context.out.write(
        formatTable(result.sessions.map((s) => ({ session: s.sessionId, instance: s.instance ?? '-', status: s.status, seconds: s.seconds.toFixed(1) }))),
      );
    }
    context.out.write(`${instance}: ${result.draining ? (result.complete ? 'drained' : 'drain INCOMPLETE') : 'back in service'}\n`);
    return result.complete ? 0 : 1;
  },
};
