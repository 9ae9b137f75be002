import { verifySessions } from '@fleet/operations';
import type { Command } from '../command';
import { formatTable } from '../format';
import { withOperations } from '../operations-context';
import { parseOptions } from '../options';

/** The checklist's verify-all-sessions. Exit code 0 only when every wanted session is connected. */
export const verifySessionsCommand: Command = {
  name: 'verify-sessions',
  summary: 'Check every session; list those that should run but are not connected, and why',
  usage: 'fleetctl verify-sessions [--json]',
  async run(context) {
    const options = parseOptions(context.args, ['json'], []);
    const result = await withOperations(context, (ops) => verifySessions(ops));
    if (options.flag('json')) context.out.write(`${JSON.stringify(result, null, 2)}\n`);
    else {
      context.out.write(`${result.connected} of ${result.wanted} wanted sessions connected (${result.total} sessions in all)\n`);
      if (result.problems.length > 0) context.out.write(formatTable(result.problems.map((p) => ({ ...p }))));
    }
    return result.problems.length === 0 ? 0 : 1;
  },
};
