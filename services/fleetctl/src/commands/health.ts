import { rename, writeFile } from 'node:fs/promises';
import { checkInstances, type InstanceHealth } from '@fleet/operations';
import { UsageError, type Command } from '../command';
import { formatTable } from '../format';
import { withOperations } from '../operations-context';
import { parseOptions, parseSeconds } from '../options';

/**
 * The checklist's HealthMonitor: every live worker's `/health` (5 s timeout) as healthy / unhealthy /
 * unreachable with its sessions and utilization. Exit code 0 only when every instance is healthy.
 * `--output FILE` keeps the result as JSON (written atomically) for the every-minute timer
 * (deploy/systemd/fleet-health.timer) and whatever reads it.
 */
export const healthCommand: Command = {
  name: 'health',
  summary: 'Health of every worker: healthy / unhealthy / unreachable, sessions, utilization',
  usage: 'fleetctl health [--json] [--timeout SECONDS] [--output FILE]',
  async run(context) {
    const options = parseOptions(context.args, ['json'], ['timeout', 'output']);
    const timeoutMs = parseSeconds(options.value('timeout'), 5);
    if (timeoutMs <= 0) throw new UsageError('--timeout must be at least 1 second');
    const instances = await withOperations(context, async (ops) => checkInstances((await ops.cluster.refresh()).workers, { timeoutMs }));
    const report = { checked_at: new Date().toISOString(), healthy: instances.every((i) => i.status === 'healthy') && instances.length > 0, instances };
    const output = options.value('output');
    if (output) {
      await writeFile(`${output}.tmp`, `${JSON.stringify(report, null, 2)}\n`);
      await rename(`${output}.tmp`, output);
    }
    if (options.flag('json')) context.out.write(`${JSON.stringify(report, null, 2)}\n`);
    else context.out.write(instances.length === 0 ? 'no live workers registered\n' : formatTable(instances.map(row)));
    return report.healthy ? 0 : 1;
  },
};

function row(health: InstanceHealth): Record<string, string | number> {
  return {
    instance: health.instance,
    status: health.draining && health.status === 'healthy' ? 'healthy (draining)' : health.status,
    sessions: health.sessions ?? '-',
    max: health.max ?? '-',
    utilization: health.utilization === undefined ? '-' : `${(health.utilization * 100).toFixed(1)}%`,
    url: health.url,
    error: health.error ?? '',
  };
}
