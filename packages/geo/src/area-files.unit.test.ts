import { readFileSync } from 'node:fs';
import { boundaryContains } from '@gridgov/domain';
import { describe, expect, it } from 'vitest';
import { parseAreaImport } from './area-import.ts';

/** The committed areas files, read as an admin's import would read them. */
describe.each(['xinhui', 'luan'])('data/areas/%s.json', (name) => {
  const text = readFileSync(new URL(`../../../data/areas/${name}.json`, import.meta.url), 'utf8');
  const result = parseAreaImport('json', text);
  if (!result.ok) throw new Error(`${name}.json does not import: ${JSON.stringify(result.problems.slice(0, 3))}`);
  const { tree } = result;

  it('imports with no problem: valid codes, levels, parents and polygons', () => {
    expect(result.ok).toBe(true);
  });

  it('gives every area below the city a boundary, and every child lies inside its parent', () => {
    const areas = [...tree.all()].filter((a) => a.level !== 'city');
    expect(areas.filter((a) => !a.boundary).map((a) => a.code)).toEqual([]);
    const outside = areas.filter((a) => {
      const parent = tree.get(a.parent!).boundary;
      if (!parent || a.boundary?.type !== 'Polygon') return false;
      return a.boundary.coordinates[0]!.some(([x, y]) => !boundaryContains(parent, x, y));
    });
    expect(outside.map((a) => a.code)).toEqual([]);
  });
});
