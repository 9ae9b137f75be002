import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';

/** This file runs from services/worker/dist/test/; sources are in services/worker/src/. */
const SOURCE_ROOT = path.resolve(__dirname, '../../src');
const COMPILED_ROOT = path.resolve(__dirname, '../src');
const DOC = path.resolve(__dirname, '../../../../docs/errors.md');

/** Every `errors.ts` under the worker's src/, as paths relative to it. */
function errorFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) errorFiles(full, out);
    else if (entry.name === 'errors.ts') out.push(path.relative(SOURCE_ROOT, full));
  }
  return out.sort();
}

/** Codes written in the source: `super('CODE', …)`, `code = 'CODE'`, `code: 'CODE'` (any quote style). */
function codesInSource(text: string): string[] {
  const patterns = [/\bsuper\(\s*['"`]([A-Z][A-Z0-9_]+)['"`]/g, /\bcode\s*[:=]\s*['"`]([A-Z][A-Z0-9_]+)['"`]/g];
  return patterns.flatMap((pattern) => [...text.matchAll(pattern)].map((match) => match[1]!));
}

/** Codes of the error classes a compiled module exports (re-exported ones included), by instantiating them. */
async function codesOfExports(relative: string): Promise<string[]> {
  const loaded = (await import(path.join(COMPILED_ROOT, relative.replace(/\.ts$/, '.js')))) as Record<string, unknown>;
  const exports = (loaded.default ?? loaded) as Record<string, unknown>;
  const codes: string[] = [];
  for (const value of Object.values(exports)) {
    if (typeof value !== 'function' || !(value.prototype instanceof Error)) continue;
    const ErrorClass = value as new (...args: unknown[]) => Error & { code?: unknown };
    const instance = new ErrorClass('session-1', 1, 2);
    if (typeof instance.code === 'string') codes.push(instance.code);
  }
  return codes;
}

/** First cells of the doc's table rows that hold a code in backticks. */
function documentedCodes(markdown: string): Set<string> {
  return new Set([...markdown.matchAll(/^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|/gm)].map((match) => match[1]!));
}

describe('worker: docs/errors.md documents every code of src/**/errors.ts', () => {
  const documented = documentedCodes(readFileSync(DOC, 'utf8'));
  const files = errorFiles(SOURCE_ROOT);

  it('finds the errors files (so that this test can fail)', () => {
    expect(files).to.include.members([path.join('auth-state', 'errors.ts'), path.join('connector', 'baileys', 'errors.ts')]);
  });

  for (const file of files) {
    it(`documents every code of ${file}`, async () => {
      const codes = new Set([...codesInSource(readFileSync(path.join(SOURCE_ROOT, file), 'utf8')), ...(await codesOfExports(file))]);
      expect(codes.size, `no code found in ${file}`).to.be.greaterThan(0);
      const missing = [...codes].filter((code) => !documented.has(code)).sort();
      expect(missing, `codes of ${file} missing from ${DOC}`).to.deep.equal([]);
    });
  }
});
