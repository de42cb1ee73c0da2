import type { AreaTree } from '@gridgov/domain';

/** Where a citizen's request was made: its position, and the area code the app named (address_id), if any. */
export interface RequestPlace {
  readonly lat: number;
  readonly lng: number;
  readonly addressId?: string | undefined;
}

/** The grid a request goes to, or why none. */
export type GridFound = { readonly gridCode: string } | { readonly problem: string };

/**
 * The grid of a request: the one place that decides it, so that a locator by boundaries (packages/geo's GridLocator,
 * built beside this) replaces the position rule alone. Today:
 * - `address_id` a grid's code: that grid; an area above grids: its first grid (the area's dispatchers triage it);
 * - a position only: the area data hold no boundaries yet, so the first grid of the tree, which every dispatcher of
 *   the jurisdiction's district sees in their 待派遣 list. Stated in ADR 0028 as a stop-gap.
 */
export function locateGrid(areas: AreaTree, place: RequestPlace): GridFound {
  if (place.addressId !== undefined) {
    if (!areas.has(place.addressId)) return { problem: `address_id: ${place.addressId} is not an area of this jurisdiction` };
    const grid = firstGridUnder(areas, place.addressId);
    return grid ? { gridCode: grid } : { problem: `address_id: ${place.addressId} holds no grid` };
  }
  const root = areas.roots()[0];
  const grid = root && firstGridUnder(areas, root.code);
  return grid ? { gridCode: grid } : { problem: 'this jurisdiction has no grid' };
}

function firstGridUnder(areas: AreaTree, code: string): string | undefined {
  if (areas.get(code).level === 'grid') return code;
  for (const child of areas.children(code)) {
    const grid = firstGridUnder(areas, child.code);
    if (grid) return grid;
  }
  return undefined;
}
