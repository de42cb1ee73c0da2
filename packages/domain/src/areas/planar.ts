import type { AreaBoundary } from '@gridgov/contracts';

/**
 * Planar primitives on [lon, lat] pairs. Grids are a few hundred metres across, so treating degrees as a plane
 * (as GeoJSON's RFC 7946 does for edges) decides the same as a spherical test would.
 */
export type Point = readonly [number, number];
export type Ring = readonly (readonly number[])[];

/** Twice the signed area of triangle a b c: > 0 when c is left of a→b, 0 when the three are collinear. */
export function orient(ax: number, ay: number, bx: number, by: number, cx: number, cy: number): number {
  return (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
}

/** True when c lies on the closed segment a–b. */
export function onSegment(ax: number, ay: number, bx: number, by: number, cx: number, cy: number): boolean {
  return (
    orient(ax, ay, bx, by, cx, cy) === 0 &&
    Math.min(ax, bx) <= cx &&
    cx <= Math.max(ax, bx) &&
    Math.min(ay, by) <= cy &&
    cy <= Math.max(ay, by)
  );
}

const sign = (v: number) => (v > 0 ? 1 : v < 0 ? -1 : 0);

/** True when the closed segments p1–p2 and q1–q2 share at least one point. */
export function segmentsTouch(p1: Point, p2: Point, q1: Point, q2: Point): boolean {
  const d1 = sign(orient(q1[0], q1[1], q2[0], q2[1], p1[0], p1[1]));
  const d2 = sign(orient(q1[0], q1[1], q2[0], q2[1], p2[0], p2[1]));
  const d3 = sign(orient(p1[0], p1[1], p2[0], p2[1], q1[0], q1[1]));
  const d4 = sign(orient(p1[0], p1[1], p2[0], p2[1], q2[0], q2[1]));
  if (d1 * d2 < 0 && d3 * d4 < 0) return true;
  return (
    (d1 === 0 && onSegment(q1[0], q1[1], q2[0], q2[1], p1[0], p1[1])) ||
    (d2 === 0 && onSegment(q1[0], q1[1], q2[0], q2[1], p2[0], p2[1])) ||
    (d3 === 0 && onSegment(p1[0], p1[1], p2[0], p2[1], q1[0], q1[1])) ||
    (d4 === 0 && onSegment(p1[0], p1[1], p2[0], p2[1], q2[0], q2[1]))
  );
}

/** Where a point lies against a closed ring: strictly inside, on its edge, or outside (crossing-number test). */
export function ringSide(ring: Ring, x: number, y: number): 'inside' | 'edge' | 'outside' {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i] as [number, number];
    const [xj, yj] = ring[j] as [number, number];
    if (onSegment(xj, yj, xi, yi, x, y)) return 'edge';
    // Half-open in y, so a ray through a vertex counts once.
    if (yi > y !== yj > y) {
      const o = orient(xj, yj, xi, yi, x, y);
      if (yi > yj ? o > 0 : o < 0) inside = !inside;
    }
  }
  return inside ? 'inside' : 'outside';
}

/** Twice the signed area of a closed ring (> 0 counter-clockwise). */
export function ringArea2(ring: Ring): number {
  let sum = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i] as [number, number];
    const [xj, yj] = ring[j] as [number, number];
    sum += (xj - xi) * (yj + yi);
  }
  return sum;
}

/**
 * True when the point lies in the boundary, its edges included (closed polygons): inside or on an outer ring, and
 * not strictly inside any of that polygon's holes.
 */
export function boundaryContains(boundary: AreaBoundary, lng: number, lat: number): boolean {
  const polygons: readonly (readonly Ring[])[] = boundary.type === 'Polygon' ? [boundary.coordinates] : boundary.coordinates;
  return polygons.some((rings) => polygonContains(rings, lng, lat));
}

/** The same for one polygon given as its rings (outer first). */
export function polygonContains(rings: readonly Ring[], lng: number, lat: number): boolean {
  const [outer, ...holes] = rings;
  if (!outer || ringSide(outer, lng, lat) === 'outside') return false;
  return holes.every((hole) => ringSide(hole, lng, lat) !== 'inside');
}
