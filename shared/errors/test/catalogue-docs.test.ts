import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { ERROR_CODES } from '../src';

/** docs/errors.md at the repository root; this file runs from shared/errors/dist/test/. */
const DOC = path.resolve(__dirname, '../../../../docs/errors.md');

/** Rows of the doc's tables whose first cell is a code in backticks: code → second cell (the HTTP status). */
function documentedRows(markdown: string): Map<string, string> {
  const rows = new Map<string, string>();
  for (const match of markdown.matchAll(/^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|\s*([^|]*?)\s*\|/gm)) {
    rows.set(match[1]!, match[2]!);
  }
  return rows;
}

describe('errors: docs/errors.md documents the catalogue', () => {
  const rows = documentedRows(readFileSync(DOC, 'utf8'));

  it('has a table row for every ERROR_CODES entry', () => {
    const missing = Object.keys(ERROR_CODES).filter((code) => !rows.has(code));
    expect(missing, `codes missing from ${DOC}`).to.deep.equal([]);
  });

  it('gives each catalogue code the HTTP status the catalogue gives it', () => {
    const wrong = Object.entries(ERROR_CODES)
      .filter(([code, entry]) => rows.has(code) && rows.get(code) !== String(entry.status))
      .map(([code, entry]) => `${code}: doc says "${rows.get(code)}", catalogue says ${entry.status}`);
    expect(wrong, `statuses that differ in ${DOC}`).to.deep.equal([]);
  });
});
