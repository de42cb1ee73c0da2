import type { AreaBoundary } from '@gridgov/contracts';
import Flatbush from 'flatbush';
import { polygonsOf } from './boundary-check.ts';
import { polygonContains, type AreaTree, type Ring } from '@gridgov/domain';

/** A grid and where it lies. */
export interface LocatableArea {
  readonly code: string;
  readonly boundary: AreaBoundary;
}

/**
 * Finds the grid a position lies in: the grids' polygons are indexed by bounding box in a static R-tree (flatbush,
 * packed Hilbert R-tree), and the few whose box holds the point are tested exactly. A point on the edge shared by
 * two grids belongs to both; `locate` then answers the lowest code, so the answer never depends on the order the
 * grids were given in.
 */
export class GridLocator {
  private readonly index: Flatbush | undefined;
  /** Per indexed box: which area and which of its polygons. */
  private readonly entries: { readonly area: number; readonly rings: readonly Ring[] }[] = [];
  private readonly areas: readonly LocatableArea[];

  constructor(areas: Iterable<LocatableArea>) {
    this.areas = [...areas];
    this.areas.forEach((area, a) => {
      for (const rings of polygonsOf(area.boundary)) if (rings[0] && rings[0].length > 0) this.entries.push({ area: a, rings });
    });
    if (this.entries.length === 0) return;
    const index = new Flatbush(this.entries.length);
    for (const { rings } of this.entries) {
      let minX = Infinity;
      let minY = Infinity;
      let maxX = -Infinity;
      let maxY = -Infinity;
      for (const [x, y] of rings[0]! as [number, number][]) {
        if (x < minX) minX = x;
        if (x > maxX) maxX = x;
        if (y < minY) minY = y;
        if (y > maxY) maxY = y;
      }
      index.add(minX, minY, maxX, maxY);
    }
    index.finish();
    this.index = index;
  }

  /** The locator of a tree's grids that have a boundary (grids without one are never found). */
  static ofGrids(tree: AreaTree): GridLocator {
    return new GridLocator(tree.ofLevel('grid').flatMap((g) => (g.boundary ? [{ code: g.code, boundary: g.boundary }] : [])));
  }

  /** How many grids it holds. */
  get size(): number {
    return this.areas.length;
  }

  /** The code of the grid holding the position (the lowest code on a shared edge), or undefined outside every grid. */
  locate(lng: number, lat: number): string | undefined {
    let best: string | undefined;
    for (const code of this.candidates(lng, lat)) if (best === undefined || code < best) best = code;
    return best;
  }

  /** Every grid holding the position (more than one only on shared edges), by code. */
  locateAll(lng: number, lat: number): string[] {
    return [...new Set(this.candidates(lng, lat))].sort();
  }

  private *candidates(lng: number, lat: number): Generator<string> {
    if (!this.index || !Number.isFinite(lng) || !Number.isFinite(lat)) return;
    for (const i of this.index.search(lng, lat, lng, lat)) {
      const entry = this.entries[i]!;
      if (polygonContains(entry.rings, lng, lat)) yield this.areas[entry.area]!.code;
    }
  }
}
