import type { AreaTree } from '@gridgov/domain';

/** Where a citizen's request was made: its position, and the area code the app named (address_id), if any. */
export interface RequestPlace {
  readonly lat: number;
  readonly lng: number;
  readonly addressId?: string | undefined;
}

/** The grid a request goes to, or why none. */
export type GridFound = { readonly gridCode: string } | { readonly problem: string };

/** Finds the grid holding a position (LiveGridLocator: the boundaries of the tree in force, ADR 0025). */
export interface PositionLocator {
  locate(lng: number, lat: number): string | undefined;
}

/**
 * The grid of a request (ADR 0028), by the boundaries of the area tree in force:
 * - `address_id` a grid's code: that grid;
 * - `address_id` an area above grids: the grid under it holding the position, or else its first grid (the area's
 *   dispatchers triage it);
 * - a position only: the grid holding it; outside every grid (or no grid having a boundary) the request is refused,
 *   naming lat and long, since no dispatcher would see it.
 */
export function locateGrid(areas: AreaTree, locator: PositionLocator, place: RequestPlace): GridFound {
  const located = locator.locate(place.lng, place.lat);
  const here = located !== undefined && areas.has(located) ? located : undefined;
  if (place.addressId !== undefined) {
    if (!areas.has(place.addressId)) return { problem: `address_id: ${place.addressId} is not an area of this jurisdiction` };
    if (areas.get(place.addressId).level === 'grid') return { gridCode: place.addressId };
    if (here !== undefined && areas.isWithin(here, place.addressId)) return { gridCode: here };
    const grid = firstGridUnder(areas, place.addressId);
    return grid ? { gridCode: grid } : { problem: `address_id: ${place.addressId} holds no grid` };
  }
  if (here !== undefined) return { gridCode: here };
  return {
    problem: `lat and long: ${place.lat}, ${place.lng} lies in no grid of this jurisdiction (name the area in address_id if the position is unknown)`,
  };
}

function firstGridUnder(areas: AreaTree, code: string): string | undefined {
  if (areas.get(code).level === 'grid') return code;
  for (const child of areas.children(code)) {
    const grid = firstGridUnder(areas, child.code);
    if (grid) return grid;
  }
  return undefined;
}
