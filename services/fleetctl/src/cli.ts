import { createRedis } from '@fleet/redis';
import { EnvReader, readCommon } from '@fleet/config';
import { createKeys } from '@fleet/keys';
import { UsageError, type Command } from './command';
import { COMMANDS } from './commands';

export interface CliIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly out: NodeJS.WritableStream;
  readonly err: NodeJS.WritableStream;
}

function help(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return (
    [
      'fleetctl: operate a Fleet cluster (reads REDIS_URL and REDIS_PREFIX like the services)',
      '',
      ...commands.map((c) => `  fleetctl ${c.name.padEnd(width)}  ${c.summary}`),
      '',
      "'fleetctl help <command>' shows a command's options.",
    ].join('\n') + '\n'
  );
}

/** Runs one fleetctl invocation; returns the exit code. Usable from tests without a child process. */
export async function runCli(argv: readonly string[], io: CliIo, commands: readonly Command[] = COMMANDS): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    const topic = commands.find((c) => c.name === args[0]);
    io.out.write(topic ? `${topic.summary}\n\nusage: ${topic.usage}\n` : help(commands));
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    io.err.write(`fleetctl: unknown command "${name}"\n\n${help(commands)}`);
    return 2;
  }
  const reader = new EnvReader(io.env);
  const common = reader.finish(readCommon(reader));
  const redis = createRedis(common.redisUrl, { maxRetriesPerRequest: 3, lazyConnect: true });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return await command.run({ args, redis, keys: createKeys(common.redisPrefix), env: io.env, out: io.out, err: io.err });
  } catch (error) {
    if (error instanceof UsageError) {
      io.err.write(`fleetctl ${name}: ${error.message}\nusage: ${command.usage}\n`);
      return 2;
    }
    io.err.write(`fleetctl ${name}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    redis.disconnect();
  }
}
