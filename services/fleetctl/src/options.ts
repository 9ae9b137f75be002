import { UsageError } from './command';

/** Parses `--name value` / `--flag` options; positional arguments are returned in order. */
export function parseOptions(args: readonly string[], flags: readonly string[], valued: readonly string[]) {
  const options = new Map<string, string | true>();
  const positional: string[] = [];
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i]!;
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split('=', 2) as [string, string | undefined];
    if (flags.includes(name)) options.set(name, true);
    else if (valued.includes(name)) {
      const value = inline ?? args[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
      options.set(name, value);
    } else throw new UsageError(`unknown option --${name}`);
  }
  return {
    positional,
    flag: (name: string): boolean => options.get(name) === true,
    value: (name: string): string | undefined => {
      const value = options.get(name);
      return typeof value === 'string' ? value : undefined;
    },
  };
}

export function parseWorkspace(value: string | undefined): number {
  if (value === undefined || !/^\d+$/.test(value)) throw new UsageError('--workspace must be a positive integer');
  return Number(value);
}

export function parseSeconds(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback * 1000;
  if (!/^\d+$/.test(value)) throw new UsageError('--timeout is a whole number of seconds');
  return Number(value) * 1000;
}
