import { ClusterView } from '@fleet/cluster';
import { createSilentLogger } from '@fleet/logger';
import { SessionStore } from '@fleet/state';
import type { Command } from '../command';
import { formatTable } from '../format';

export const instancesCommand: Command = {
  name: 'instances',
  summary: 'List live workers with their shards, sessions and utilization',
  usage: 'fleetctl instances [--json]',
  async run({ args, redis, keys, out }) {
    const cluster = new ClusterView({ redis, keys, logger: createSilentLogger() });
    try {
      const snapshot = await cluster.start();
      const counts = await new SessionStore(redis, keys).countsByShard(snapshot.shardCount);
      const rows = snapshot.workers.map((worker) => {
        const shards = snapshot.placement.owners.flatMap((owner, shard) => (owner === worker.instanceId ? [shard] : []));
        const sessions = shards.reduce((sum, shard) => sum + (counts[shard] ?? 0), 0);
        return {
          instance: worker.instanceId,
          state: worker.draining ? 'draining' : 'live',
          shards: shards.length,
          sessions,
          max: worker.maxSessions,
          utilization: worker.maxSessions > 0 ? `${((sessions / worker.maxSessions) * 100).toFixed(1)}%` : '-',
          url: worker.url,
        };
      });
      if (args.includes('--json'))
        out.write(`${JSON.stringify({ shard_count: snapshot.shardCount, placement_version: snapshot.placement.version, instances: rows }, null, 2)}\n`);
      else out.write(formatTable(rows));
      return 0;
    } finally {
      await cluster.close();
    }
  },
};
