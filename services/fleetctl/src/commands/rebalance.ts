import { rebalance } from '@fleet/operations';
import type { Command } from '../command';
import { formatTable } from '../format';
import { withOperations } from '../operations-context';
import { parseOptions } from '../options';

export const rebalanceCommand: Command = {
  name: 'rebalance',
  summary: 'Even out sessions across instances by moving shards; --dry-run shows what would move and why',
  usage: 'fleetctl rebalance [--dry-run] [--json]',
  async run(context) {
    const options = parseOptions(context.args, ['dry-run', 'json'], []);
    const plan = await withOperations(context, (ops) => rebalance(ops, { apply: !options.flag('dry-run') }));
    if (options.flag('json')) {
      context.out.write(`${JSON.stringify(plan, null, 2)}\n`);
      return 0;
    }
    if (plan.moves.length === 0) {
      context.out.write(`balanced: max ${plan.before.max} sessions per instance, mean ${plan.before.mean.toFixed(1)}; nothing to move\n`);
      return 0;
    }
    context.out.write(formatTable(plan.moves.map((m) => ({ shard: m.shard, from: m.from, to: m.to, sessions: m.sessions, why: m.why }))));
    context.out.write(`max sessions per instance ${plan.before.max} → ${plan.after.max} (mean ${plan.before.mean.toFixed(1)})\n`);
    context.out.write(
      options.flag('dry-run') ? 'dry run: nothing changed\n' : plan.applied ? 'applied\n' : 'NOT applied: the placement changed meanwhile; run again\n',
    );
    return options.flag('dry-run') || plan.applied ? 0 : 1;
  },
};
