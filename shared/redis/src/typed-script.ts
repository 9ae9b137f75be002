import type { Redis } from 'ioredis';
import { LuaScript } from './lua-script';

/**
 * A Lua script with named inputs: how they become KEYS and ARGV, and how its reply is read (with the
 * input at hand, for a reply that points into it, e.g. the index of a key).
 */
export interface ScriptSpec<Input, Result> {
  readonly name: string;
  readonly source: string;
  keys(input: Input): string[];
  args(input: Input): Array<string | number>;
  parse(reply: unknown, input: Input): Result;
}

/**
 * A Lua script called with a typed input and returning a typed result: callers never build KEYS and
 * ARGV by position nor cast the reply. Run by SHA (loaded on first use, as LuaScript).
 */
export class TypedScript<Input, Result> {
  private readonly script: LuaScript;

  constructor(private readonly spec: ScriptSpec<Input, Result>) {
    this.script = new LuaScript(spec.name, spec.source);
  }

  get name(): string {
    return this.spec.name;
  }

  get source(): string {
    return this.spec.source;
  }

  async run(redis: Redis, input: Input): Promise<Result> {
    return this.spec.parse(await this.script.run(redis, this.spec.keys(input), this.spec.args(input)), input);
  }
}

/** Reply readers for script results. */
export const reply = {
  string(value: unknown): string {
    if (typeof value === 'string') return value;
    if (Buffer.isBuffer(value)) return value.toString('utf8');
    if (typeof value === 'number') return String(value);
    throw new TypeError(`expected a string reply, got ${typeof value}`);
  },
  number(value: unknown): number {
    const number = typeof value === 'number' ? value : Number(reply.string(value));
    if (!Number.isFinite(number)) throw new TypeError(`expected a number reply, got ${String(value)}`);
    return number;
  },
  array(value: unknown): unknown[] {
    if (!Array.isArray(value)) throw new TypeError(`expected an array reply, got ${typeof value}`);
    return value;
  },
  /** A 1/0 reply as a boolean; anything else throws. */
  flag(value: unknown): boolean {
    const number = reply.number(value);
    if (number !== 0 && number !== 1) throw new TypeError(`expected a 1/0 reply, got ${number}`);
    return number === 1;
  },
};
