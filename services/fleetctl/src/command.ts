import type { Redis } from 'ioredis';
import type { Keys } from '@fleet/keys';

/** What every command gets: its parsed options, a Redis connection and where to write. */
export interface CommandContext {
  readonly args: readonly string[];
  readonly redis: Redis;
  readonly keys: Keys;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly out: NodeJS.WritableStream;
  readonly err: NodeJS.WritableStream;
}

export interface Command {
  /** `fleetctl <name> …` */
  readonly name: string;
  /** One line for `fleetctl help`. */
  readonly summary: string;
  /** Usage lines for `fleetctl help <name>`. */
  readonly usage: string;
  /** Returns the process exit code. */
  run(context: CommandContext): Promise<number>;
}

/** A usage mistake: printed with the command's usage and exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly code = 'USAGE';
}
