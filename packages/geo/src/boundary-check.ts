import type { AreaBoundary } from '@gridgov/contracts';
import { ringArea2, ringSide, segmentsTouch, type Point, type Ring } from '@gridgov/domain';

/** Beyond this many positions in one boundary a file is refused rather than checked (bounded work per import). */
export const MAX_BOUNDARY_POSITIONS = 200_000;

/** The polygons of a boundary, each as its rings (outer ring first, then holes). */
export const polygonsOf = (boundary: AreaBoundary): readonly (readonly Ring[])[] =>
  boundary.type === 'Polygon' ? [boundary.coordinates] : boundary.coordinates;

/**
 * What is wrong with a boundary as a polygon, in words naming the polygon, ring and position; empty when it is
 * valid: each ring closed with at least 4 positions, every position finite lon/lat in range, no ring crossing or
 * touching itself or another ring of its polygon, every hole inside its outer ring, no ring of zero area.
 */
export function checkBoundary(boundary: AreaBoundary): string[] {
  const polygons = polygonsOf(boundary);
  const positions = polygons.reduce((n, rings) => n + rings.reduce((m, r) => m + r.length, 0), 0);
  if (positions > MAX_BOUNDARY_POSITIONS) return [`${positions} positions, more than ${MAX_BOUNDARY_POSITIONS} allowed in one boundary`];
  if (polygons.length === 0) return ['a MultiPolygon with no polygon'];
  const problems: string[] = [];
  polygons.forEach((rings, p) => {
    const where = (r: number) => (boundary.type === 'MultiPolygon' ? `polygon ${p + 1}, ` : '') + (r === 0 ? 'outer ring' : `hole ${r}`);
    if (rings.length === 0) {
      problems.push(`${boundary.type === 'MultiPolygon' ? `polygon ${p + 1}` : 'the polygon'} has no ring`);
      return;
    }
    const ringProblems = rings.map((ring, r) => checkRing(ring).map((m) => `${where(r)}: ${m}`));
    problems.push(...ringProblems.flat());
    if (ringProblems.some((list) => list.length > 0)) return;
    const crossing = firstCrossing(rings);
    if (crossing) {
      const [a, b] = crossing;
      problems.push(
        a.ring === b.ring
          ? `${where(a.ring)}: crosses itself (edges ${a.edge + 1} and ${b.edge + 1})`
          : `${where(a.ring)} and ${where(b.ring)} cross or touch (edges ${a.edge + 1} and ${b.edge + 1})`,
      );
      return;
    }
    const flat = rings.findIndex((ring) => ringArea2(ring) === 0);
    if (flat >= 0) {
      problems.push(`${where(flat)}: has no area (its positions are collinear or repeated)`);
      return;
    }
    const outer = rings[0]!;
    rings.slice(1).forEach((hole, h) => {
      const [x, y] = hole[0] as [number, number];
      if (ringSide(outer, x, y) !== 'inside') problems.push(`${where(h + 1)}: lies outside the outer ring`);
    });
  });
  return problems;
}

function checkRing(ring: Ring): string[] {
  if (ring.length < 4) return [`has ${ring.length} positions; a ring needs at least 4 (the first repeated last)`];
  const problems: string[] = [];
  ring.forEach((pos, i) => {
    const [lon, lat] = pos as [number, number];
    if (!Number.isFinite(lon) || !Number.isFinite(lat)) problems.push(`position ${i + 1} is not a finite number pair`);
    else if (lon < -180 || lon > 180) problems.push(`position ${i + 1}: longitude ${lon} is outside -180..180`);
    else if (lat < -90 || lat > 90) problems.push(`position ${i + 1}: latitude ${lat} is outside -90..90`);
  });
  if (problems.length > 0) return problems.slice(0, 3);
  const first = ring[0]!;
  const last = ring[ring.length - 1]!;
  if (first[0] !== last[0] || first[1] !== last[1]) return ['is not closed (its last position differs from its first)'];
  return [];
}

interface Edge {
  readonly ring: number;
  readonly edge: number;
  readonly a: Point;
  readonly b: Point;
  readonly minX: number;
  readonly maxX: number;
  readonly minY: number;
  readonly maxY: number;
}

/**
 * The first pair of edges that share a point they should not: any contact between different rings, or between
 * edges of one ring other than neighbours meeting at their common vertex. A sweep over x keeps it near n log n.
 */
function firstCrossing(rings: readonly Ring[]): [Edge, Edge] | undefined {
  const edges: Edge[] = [];
  const lengths: number[] = [];
  rings.forEach((ring, r) => {
    // Repeated consecutive positions are harmless; drop them so every edge has length.
    const pts = ring.filter((p, i) => i === 0 || p[0] !== ring[i - 1]![0] || p[1] !== ring[i - 1]![1]) as Point[];
    lengths.push(pts.length - 1);
    for (let i = 0; i + 1 < pts.length; i++) {
      const a = pts[i]!;
      const b = pts[i + 1]!;
      edges.push({
        ring: r,
        edge: i,
        a,
        b,
        minX: Math.min(a[0], b[0]),
        maxX: Math.max(a[0], b[0]),
        minY: Math.min(a[1], b[1]),
        maxY: Math.max(a[1], b[1]),
      });
    }
  });
  edges.sort((e, f) => e.minX - f.minX);
  for (let i = 0; i < edges.length; i++) {
    const e = edges[i]!;
    for (let j = i + 1; j < edges.length && edges[j]!.minX <= e.maxX; j++) {
      const f = edges[j]!;
      if (f.maxY < e.minY || f.minY > e.maxY) continue;
      if (e.ring === f.ring) {
        const n = lengths[e.ring]!;
        const gap = Math.abs(e.edge - f.edge);
        if (gap === 1 || gap === n - 1) {
          // Neighbours share one vertex; they may meet only there (not fold back along each other).
          if (n > 2 && !foldsBack(e, f)) continue;
          if (n <= 2) continue;
          return ordered(e, f);
        }
      }
      if (segmentsTouch(e.a, e.b, f.a, f.b)) return ordered(e, f);
    }
  }
  return undefined;
}

const ordered = (e: Edge, f: Edge): [Edge, Edge] => (e.ring < f.ring || (e.ring === f.ring && e.edge < f.edge) ? [e, f] : [f, e]);

/** For two neighbouring edges: true when they overlap beyond their shared vertex (a spike doubling back). */
function foldsBack(e: Edge, f: Edge): boolean {
  const shared = samePoint(e.b, f.a) || samePoint(e.b, f.b) ? e.b : e.a;
  const otherE = samePoint(e.a, shared) ? e.b : e.a;
  const otherF = samePoint(f.a, shared) ? f.b : f.a;
  return segmentsTouch(shared, otherE, otherF, otherF) || segmentsTouch(shared, otherF, otherE, otherE);
}

const samePoint = (p: Point, q: Point) => p[0] === q[0] && p[1] === q[1];
