import { ClusterView } from '@fleet/cluster';
import { createSilentLogger } from '@fleet/logger';
import type { OperationsContext } from '@fleet/operations';
import { SessionStore } from '@fleet/state';
import type { CommandContext } from './command';

/** Runs `body` with a started cluster view for the operations package, closing it afterwards. */
export async function withOperations<T>(context: CommandContext, body: (ops: OperationsContext) => Promise<T>): Promise<T> {
  const cluster = new ClusterView({ redis: context.redis, keys: context.keys, logger: createSilentLogger() });
  await cluster.start();
  try {
    return await body({ redis: context.redis, keys: context.keys, cluster, sessions: new SessionStore(context.redis, context.keys) });
  } finally {
    await cluster.close();
  }
}

/** Writes progress lines to stderr so stdout stays machine-readable. */
export function progressTo(context: CommandContext): (line: string) => void {
  return (line) => context.err.write(`${line}\n`);
}
