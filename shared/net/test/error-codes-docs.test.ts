import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { NET_ERROR_CODES } from '../src';

/** docs/errors.md at the repository root; this file runs from shared/net/dist/test/. */
const DOC = path.resolve(__dirname, '../../../../docs/errors.md');

describe('net: docs/errors.md documents every NET_ERROR_CODES entry with its status', () => {
  it('has a row for every code, with the same status', () => {
    const rows = new Map<string, string>();
    for (const match of readFileSync(DOC, 'utf8').matchAll(/^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|\s*([^|]*?)\s*\|/gm)) rows.set(match[1]!, match[2]!);
    const wrong = Object.entries(NET_ERROR_CODES)
      .filter(([code, status]) => rows.get(code) !== String(status))
      .map(([code, status]) => `${code}: doc says ${JSON.stringify(rows.get(code))}, code says ${status}`);
    expect(wrong).to.deep.equal([]);
  });
});
