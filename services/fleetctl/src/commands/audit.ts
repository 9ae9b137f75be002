import { auditWorkspaces } from '@fleet/operations';
import type { Command } from '../command';
import { formatCsv, formatTable } from '../format';
import { withOperations } from '../operations-context';
import { parseOptions } from '../options';

export const auditCommand: Command = {
  name: 'audit',
  summary: 'Pre-migration audit: sessions and traffic per workspace, current and target instance',
  usage: 'fleetctl audit [--csv]',
  async run(context) {
    const options = parseOptions(context.args, ['csv'], []);
    const rows = await withOperations(context, (ops) => auditWorkspaces(ops));
    const printable = rows.map((r) => ({ ...r, pinned: r.pinned ? 'yes' : 'no' }));
    context.out.write(options.flag('csv') ? formatCsv(printable) : formatTable(printable));
    return 0;
  },
};
