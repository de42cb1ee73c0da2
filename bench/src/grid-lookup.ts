import { GridLocator } from '@gridgov/geo';
import { boundaryContains, type Area } from '@gridgov/domain';
import { generatedAreas, mulberry32, withBoundaries } from '@gridgov/simulator';
import { report, type Figure, type SuiteRows } from './support.ts';

/**
 * Grid from a position (ADR 0025): lookups per second in the R-tree locator over 100,000 generated grid
 * boundaries, beside a brute-force scan of every grid (what the index saves). Pure computation.
 */
export function gridLookupBench(lookups: number, grids = 100_000): SuiteRows {
  const built = performance.now();
  const areas: Area[] = withBoundaries(
    generatedAreas({ cityCode: '449800', cityName: '示例省', districts: 90, townsPerDistrict: 20, communitiesPerTown: 10, grids }),
    [
      [110, 21],
      [117, 21],
      [117, 26],
      [110, 26],
    ],
    mulberry32(2025),
  );
  const withBoundary = areas.flatMap((a) => (a.level === 'grid' && a.boundary ? [{ code: a.code, boundary: a.boundary }] : []));
  const generatedS = (performance.now() - built) / 1000;
  const indexed = performance.now();
  const locator = new GridLocator(withBoundary);
  const indexS = (performance.now() - indexed) / 1000;
  const random = mulberry32(7);
  // Points over the whole province's box (a few fall outside every grid, as real positions near the border do).
  const points = Array.from({ length: lookups }, () => [110 + random() * 7, 21 + random() * 5] as const);
  const time = (n: number, locate: (x: number, y: number) => string | undefined) => {
    let found = 0;
    const began = performance.now();
    for (let i = 0; i < n; i++) {
      const [x, y] = points[i % points.length]!;
      if (locate(x, y) !== undefined) found++;
    }
    return { perSecond: Math.round(n / ((performance.now() - began) / 1000)), found };
  };
  time(Math.min(lookups, 10_000), (x, y) => locator.locate(x, y)); // warm up
  const indexedRun = time(lookups, (x, y) => locator.locate(x, y));
  const bruteN = 50;
  const bruteRun = time(bruteN, (x, y) => withBoundary.find((g) => boundaryContains(g.boundary, x, y))?.code);
  const figures: Figure[] = [
    {
      name: `grid lookup, R-tree, ${withBoundary.length} grids`,
      value: indexedRun.perSecond,
      unit: '/s',
      note: `${indexedRun.found}/${lookups} found`,
    },
    { name: `grid lookup, brute force, ${withBoundary.length} grids`, value: bruteRun.perSecond, unit: '/s', note: `${bruteN} lookups` },
    { name: 'index build', value: Math.round(indexS * 1000), unit: 'ms', note: `boundaries generated in ${generatedS.toFixed(1)} s` },
  ];
  report('grid-lookup', figures, { lookups, grids: withBoundary.length });
  return [
    {
      figure: `grid lookup: lookups/s at ${withBoundary.length} grids (R-tree + point-in-polygon)`,
      value: indexedRun.perSecond,
      unit: '/s',
      reference: { name: 'brute force over every grid', value: bruteRun.perSecond, unit: '/s' },
    },
  ];
}
