import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { accessLabel, ROUTE_ACCESS } from '../src/auth/route-access';

/** docs/api.md at the repository root; this file runs from services/ingress/dist/test/. */
const DOC = path.resolve(__dirname, '../../../../docs/api.md');

/** The rows of the "Routes and the access they need" table: route → its access as written (`public`, `any`, `admin` or the scope). */
function documented(markdown: string): Map<string, string> {
  const section = markdown.split('### Routes and the access they need')[1]?.split('\n### ')[0] ?? '';
  const rows = new Map<string, string>();
  for (const match of section.matchAll(/^\|\s*`([A-Z]+ [^`]+)`\s*\|\s*([^|]+?)\s*\|$/gm)) {
    const cell = match[2]!;
    const label = cell.startsWith('public') ? 'public' : cell === 'any key' ? 'any' : cell === 'admin' ? 'admin' : cell.replace(/`/g, '');
    rows.set(match[1]!, label);
  }
  return rows;
}

describe('ingress: docs/api.md lists every route with the access ROUTE_ACCESS gives it', () => {
  it('has one row per route, with the same access', () => {
    const rows = documented(readFileSync(DOC, 'utf8'));
    const table = new Map(Object.entries(ROUTE_ACCESS).map(([route, access]) => [route, accessLabel(access)]));
    expect(
      [...table.keys()].filter((route) => !rows.has(route)),
      'routes missing from docs/api.md',
    ).to.deep.equal([]);
    expect(
      [...rows.keys()].filter((route) => !table.has(route)),
      'rows of docs/api.md with no route',
    ).to.deep.equal([]);
    const differ = [...table]
      .filter(([route, label]) => rows.get(route) !== label)
      .map(([route, label]) => `${route}: docs say ${rows.get(route)}, ROUTE_ACCESS ${label}`);
    expect(differ).to.deep.equal([]);
  });
});
