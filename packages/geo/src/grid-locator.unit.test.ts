import { readFileSync } from 'node:fs';
import type { AreaBoundary } from '@gridgov/contracts';
import { parseAreaTree, type AreaTree } from '@gridgov/domain';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GridLocator } from './grid-locator.ts';

const load = (name: string): AreaTree =>
  parseAreaTree(JSON.parse(readFileSync(new URL(`../../../data/areas/${name}.json`, import.meta.url), 'utf8')));

/**
 * The brute-force answer, computed apart from the locator: every grid is tried, by winding number (the locator uses
 * crossing number behind an R-tree), a point on any edge counting as inside.
 */
function bruteForce(grids: readonly { code: string; boundary: AreaBoundary }[], x: number, y: number): string | undefined {
  const onEdge = (a: readonly number[], b: readonly number[]) => {
    const [ax, ay] = a as [number, number];
    const [bx, by] = b as [number, number];
    const cross = (bx - ax) * (y - ay) - (by - ay) * (x - ax);
    return cross === 0 && Math.min(ax, bx) <= x && x <= Math.max(ax, bx) && Math.min(ay, by) <= y && y <= Math.max(ay, by);
  };
  const winding = (ring: readonly (readonly number[])[]): number | 'edge' => {
    let w = 0;
    for (let i = 0; i + 1 < ring.length; i++) {
      const a = ring[i]!;
      const b = ring[i + 1]!;
      if (onEdge(a, b)) return 'edge';
      const cross = (b[0]! - a[0]!) * (y - a[1]!) - (b[1]! - a[1]!) * (x - a[0]!);
      if (a[1]! <= y && b[1]! > y && cross > 0) w++;
      else if (a[1]! > y && b[1]! <= y && cross < 0) w--;
    }
    return w;
  };
  const inPolygon = (rings: readonly (readonly (readonly number[])[])[]) => {
    const outer = winding(rings[0]!);
    if (outer === 0) return false;
    return rings.slice(1).every((hole) => {
      const w = winding(hole);
      return w === 'edge' || w === 0;
    });
  };
  const hits = grids.filter(({ boundary }) =>
    (boundary.type === 'Polygon' ? [boundary.coordinates] : boundary.coordinates).some((rings) => inPolygon(rings)),
  );
  return hits.map((g) => g.code).sort()[0];
}

describe.each(['luan', 'xinhui'])('GridLocator on the generated boundaries of %s', (name) => {
  const tree = load(name);
  const grids = tree.ofLevel('grid').map((g) => ({ code: g.code, boundary: g.boundary! }));
  const locator = GridLocator.ofGrids(tree);
  const district = tree.ofLevel('district')[0]!.boundary!;
  const xs = district.coordinates.flat(1).map((p) => (p as number[])[0]!);
  const ys = district.coordinates.flat(1).map((p) => (p as number[])[1]!);
  const [minX, maxX, minY, maxY] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const vertices = grids.flatMap((g) => (g.boundary.coordinates as number[][][]).flat()).map(([x, y]) => [x!, y!] as const);

  it('indexes every grid', () => {
    expect(grids.every((g) => g.boundary !== undefined)).toBe(true);
    expect(locator.size).toBe(grids.length);
  });

  it('agrees with a brute-force search over all grids, for points anywhere around the district', () => {
    const margin = 0.05;
    const point = fc.tuple(
      fc.double({ min: minX - margin, max: maxX + margin, noNaN: true }),
      fc.double({ min: minY - margin, max: maxY + margin, noNaN: true }),
    );
    fc.assert(
      fc.property(point, ([x, y]) => locator.locate(x, y) === bruteForce(grids, x, y)),
      { numRuns: 2000 },
    );
  });

  it('agrees with brute force on the grids’ own vertices and the middles of their edges (points on shared edges)', () => {
    const onEdges = fc.integer({ min: 0, max: vertices.length - 2 }).map((i) => {
      const [ax, ay] = vertices[i]! as [number, number];
      const [bx, by] = vertices[i + 1]! as [number, number];
      return [[ax, ay] as const, [(ax + bx) / 2, (ay + by) / 2] as const];
    });
    fc.assert(
      fc.property(onEdges, (points) => points.every(([x, y]) => locator.locate(x, y) === bruteForce(grids, x, y))),
      { numRuns: 1000 },
    );
  });

  it('places a point well inside each grid in that grid and in no other: the grids do not overlap', () => {
    for (const grid of grids) {
      const ring = (grid.boundary.coordinates as number[][][])[0]!;
      const [sx, sy] = ring.slice(0, -1).reduce<[number, number]>(([ax, ay], [x, y]) => [ax + x!, ay + y!], [0, 0]);
      const n = ring.length - 1;
      expect(locator.locateAll(sx / n, sy / n)).toEqual([grid.code]);
    }
  });

  it('finds nothing outside the district', () => {
    expect(locator.locate(minX - 0.01, minY - 0.01)).toBeUndefined();
    expect(locator.locate(maxX + 1, (minY + maxY) / 2)).toBeUndefined();
  });
});

describe('GridLocator', () => {
  const ring = (x: number, y: number, w: number): [number, number][] => [
    [x, y],
    [x + w, y],
    [x + w, y + w],
    [x, y + w],
    [x, y],
  ];
  const box = (x: number, y: number, w: number): AreaBoundary => ({ type: 'Polygon', coordinates: [ring(x, y, w)] });

  it('respects holes: a point in a hole is not in the grid, a point on the hole’s edge is', () => {
    const donut: AreaBoundary = { type: 'Polygon', coordinates: [ring(0, 0, 10), ring(4, 4, 2).toReversed()] };
    const locator = new GridLocator([{ code: '341502001001001', boundary: donut }]);
    expect(locator.locate(5, 5)).toBeUndefined();
    expect(locator.locate(4, 5)).toBe('341502001001001');
    expect(locator.locate(1, 1)).toBe('341502001001001');
  });

  it('answers the lowest code on a shared edge, whatever the order the grids came in', () => {
    const a = { code: '341502001001001', boundary: box(0, 0, 1) };
    const b = { code: '341502001001002', boundary: box(1, 0, 1) };
    expect(new GridLocator([b, a]).locate(1, 0.5)).toBe(a.code);
    expect(new GridLocator([a, b]).locateAll(1, 0.5)).toEqual([a.code, b.code]);
    expect(new GridLocator([a, b]).locate(1.5, 0.5)).toBe(b.code);
  });

  it('finds each polygon of a MultiPolygon grid, and nothing when empty', () => {
    const multi: AreaBoundary = { type: 'MultiPolygon', coordinates: [[ring(0, 0, 1)], [ring(5, 5, 1)]] };
    const locator = new GridLocator([{ code: '341502001001001', boundary: multi }]);
    expect(locator.locate(5.5, 5.5)).toBe('341502001001001');
    expect(locator.locate(3, 3)).toBeUndefined();
    expect(new GridLocator([]).locate(0, 0)).toBeUndefined();
  });
});
