import type { AreaTree } from '@gridgov/domain';
import { GridLocator } from '@gridgov/geo';

/**
 * The grid locator of the area tree in force (ADR 0025): `areas` is a live view of grid.config (ADR 0024), so the
 * R-tree is rebuilt when the area tree changes — found by `areasKey`, the identity of the areas document in force,
 * which stays the same object while other kinds (catalog, routing, …) change. One locator is kept, that of the latest
 * tree; building one for 1,100 grids takes milliseconds, for 100,000 about a second, once per area change.
 */
export class LiveGridLocator {
  private cached: { readonly key: object; readonly locator: GridLocator } | undefined;

  constructor(
    private readonly areas: AreaTree,
    /** The areas document (or anything that changes exactly when the area tree does); the tree itself when absent. */
    private readonly areasKey: () => object = () => areas,
  ) {}

  /** The locator of the tree in force now. */
  current(): GridLocator {
    const key = this.areasKey();
    if (this.cached?.key !== key) this.cached = { key, locator: GridLocator.ofGrids(this.areas) };
    return this.cached.locator;
  }

  /** The code of the grid holding the position in the tree in force, or undefined outside every grid. */
  locate(lng: number, lat: number): string | undefined {
    return this.current().locate(lng, lat);
  }
}
