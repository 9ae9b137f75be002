import { readFileSync } from 'node:fs';
import path from 'node:path';

const INCLUDE = /^--!include\s+(\S+)\s*$/;
const DEFINE = /^--!define\s+([A-Za-z_][A-Za-z0-9_]*)\s*$/;

/**
 * The source of `<dir>/<name>.lua`, with each `--!include <file>` line replaced by that file (a path
 * relative to `dir`, included once per script) and each `--!define NAME` line by `definitions[NAME]`
 * (Lua generated from TypeScript constants, so an order or a table is written down once). Read once,
 * when a package loads its scripts; a missing file or definition throws at that moment, not mid-request.
 */
export function readLua(dir: string, name: string, definitions: Readonly<Record<string, string>> = {}): string {
  const included = new Set<string>();
  const expand = (file: string): string => {
    const full = path.resolve(dir, file);
    if (included.has(full)) return '';
    included.add(full);
    return readFileSync(full, 'utf8')
      .split('\n')
      .map((line) => {
        const include = INCLUDE.exec(line);
        if (include) return expand(include[1]!);
        const define = DEFINE.exec(line);
        if (!define) return line;
        const text = definitions[define[1]!];
        if (text === undefined) throw new Error(`${file}: no definition for ${define[1]}`);
        return text;
      })
      .join('\n');
  };
  return expand(`${name}.lua`);
}
