import type { AreaBoundary } from '@gridgov/contracts';
import type { Area } from '@gridgov/domain';
import type { Random } from './random.ts';

/**
 * Plausible boundaries for a generated area tree: the city's districts together are a quadrilateral, split into
 * districts and each district into towns by slanted cuts, each town into communities, each community into columns and each column into grids, every part sized by
 * how many grids it holds. Every cut runs between two points on opposite edges, so each part is a convex
 * quadrilateral and the parts tile their parent exactly.
 *
 * Neighbours share their edges vertex for vertex: every point a cut puts on a line is kept on that line, and every
 * polygon walking along the line takes the points in its span. So the tiling holds even after rounding to
 * micro-degrees (no slivers, no overlaps), and a parent's ring is the union of its children's.
 */
type Pt = readonly [number, number];

/** A line between two points; the points placed on it are kept by their position along it (0 at `a`, 1 at `b`). */
class Line {
  private readonly points = new Map<number, Pt>();
  constructor(
    readonly a: Pt,
    readonly b: Pt,
  ) {
    this.points.set(0, a);
    this.points.set(1, b);
  }
  at(t: number): Pt {
    let p = this.points.get(t);
    if (!p) {
      p = [round(this.a[0] + (this.b[0] - this.a[0]) * t), round(this.a[1] + (this.b[1] - this.a[1]) * t)];
      this.points.set(t, p);
    }
    return p;
  }
  /** The points from t0 to t1 (either way round), both ends included. */
  span(t0: number, t1: number): Pt[] {
    const lo = Math.min(t0, t1);
    const hi = Math.max(t0, t1);
    const inSpan = [...this.points.entries()].filter(([t]) => t >= lo && t <= hi).sort((x, y) => x[0] - y[0]);
    const pts = inSpan.map(([, p]) => p);
    return t0 <= t1 ? pts : pts.reverse();
  }
}

/** A part of a line: from t0 to t1 along it (t0 < t1). */
interface Edge {
  readonly line: Line;
  readonly t0: number;
  readonly t1: number;
}

/** A quadrilateral: bottom and top edges run west→east, left and right south→north. */
interface Quad {
  readonly bottom: Edge;
  readonly right: Edge;
  readonly top: Edge;
  readonly left: Edge;
}

const round = (v: number) => Math.round(v * 1e6) / 1e6;
const sub = (e: Edge, f0: number, f1: number): Edge => ({ line: e.line, t0: e.t0 + (e.t1 - e.t0) * f0, t1: e.t0 + (e.t1 - e.t0) * f1 });
const whole = (line: Line): Edge => ({ line, t0: 0, t1: 1 });

/** Cut positions in (0, 1) for parts of the given weights, each moved by up to a quarter of its smaller neighbour. */
function cuts(weights: readonly number[], random: Random): number[] {
  const total = weights.reduce((s, w) => s + w, 0);
  const out: number[] = [];
  let acc = 0;
  for (let i = 0; i + 1 < weights.length; i++) {
    acc += weights[i]!;
    const room = Math.min(weights[i]!, weights[i + 1]!) / total;
    out.push(acc / total + (random() - 0.5) * 0.5 * room);
  }
  return out;
}

/** Splits a quad by cuts from its bottom edge to its top edge (west to east), sized by weight. */
function splitEastWest(q: Quad, weights: readonly number[], random: Random): Quad[] {
  const bottom = cuts(weights, random);
  const top = cuts(weights, random);
  const lines = bottom.map((b, i) => {
    const eb = sub(q.bottom, b, b);
    const et = sub(q.top, top[i]!, top[i]!);
    return new Line(eb.line.at(eb.t0), et.line.at(et.t0));
  });
  const fb = [0, ...bottom, 1];
  const ft = [0, ...top, 1];
  return weights.map((_, i) => ({
    bottom: sub(q.bottom, fb[i]!, fb[i + 1]!),
    top: sub(q.top, ft[i]!, ft[i + 1]!),
    left: i === 0 ? q.left : whole(lines[i - 1]!),
    right: i === weights.length - 1 ? q.right : whole(lines[i]!),
  }));
}

/** Splits a quad by cuts from its left edge to its right edge (south to north), sized by weight. */
function splitSouthNorth(q: Quad, weights: readonly number[], random: Random): Quad[] {
  const left = cuts(weights, random);
  const right = cuts(weights, random);
  const lines = left.map((l, i) => {
    const el = sub(q.left, l, l);
    const er = sub(q.right, right[i]!, right[i]!);
    return new Line(el.line.at(el.t0), er.line.at(er.t0));
  });
  const fl = [0, ...left, 1];
  const fr = [0, ...right, 1];
  return weights.map((_, i) => ({
    left: sub(q.left, fl[i]!, fl[i + 1]!),
    right: sub(q.right, fr[i]!, fr[i + 1]!),
    bottom: i === 0 ? q.bottom : whole(lines[i - 1]!),
    top: i === weights.length - 1 ? q.top : whole(lines[i]!),
  }));
}

/** The quad's ring, counter-clockwise (RFC 7946), with every point its neighbours placed on its edges. */
function ring(q: Quad): number[][] {
  const pts = [
    ...q.bottom.line.span(q.bottom.t0, q.bottom.t1),
    ...q.right.line.span(q.right.t0, q.right.t1),
    ...q.top.line.span(q.top.t1, q.top.t0),
    ...q.left.line.span(q.left.t1, q.left.t0),
  ];
  const out: number[][] = [];
  for (const p of pts) {
    const last = out[out.length - 1];
    if (!last || last[0] !== p[0] || last[1] !== p[1]) out.push([p[0], p[1]]);
  }
  const first = out[0]!;
  const last = out[out.length - 1]!;
  if (first[0] !== last[0] || first[1] !== last[1]) out.push([first[0]!, first[1]!]);
  return out;
}

/** The corners of the city's districts together: south-west, south-east, north-east, north-west, as [lon, lat]. */
export type Corners = readonly [Pt, Pt, Pt, Pt];

/**
 * The same areas with boundaries for the districts and everything under them (the city, whose file may hold only
 * some of its districts, gets none). Deterministic for a given tree, corners and random source.
 */
export function withBoundaries(areas: readonly Area[], corners: Corners, random: Random): Area[] {
  const [sw, se, ne, nw] = corners;
  const children = new Map<string, Area[]>();
  for (const a of areas) if (a.parent) children.set(a.parent, [...(children.get(a.parent) ?? []), a]);
  const gridCount = new Map<string, number>();
  const count = (code: string): number => {
    let n = gridCount.get(code);
    if (n === undefined) {
      const kids = children.get(code) ?? [];
      n = kids.length === 0 ? 1 : kids.reduce((s, k) => s + count(k.code), 0);
      gridCount.set(code, n);
    }
    return n;
  };
  const quads = new Map<string, Quad>();
  const place = (area: Area, q: Quad) => {
    quads.set(area.code, q);
    const kids = children.get(area.code) ?? [];
    if (kids.length === 0) return;
    const weights = kids.map((k) => count(k.code));
    if (area.level === 'city') splitSouthNorth(q, weights, random).forEach((cq, i) => place(kids[i]!, cq));
    else if (area.level === 'district') splitEastWest(q, weights, random).forEach((cq, i) => place(kids[i]!, cq));
    else if (area.level === 'town') splitSouthNorth(q, weights, random).forEach((cq, i) => place(kids[i]!, cq));
    else {
      // A community's grids: a few columns, each split into rows.
      const columns = Math.max(1, Math.round(Math.sqrt(kids.length)));
      const perColumn = Array.from({ length: columns }, (_, c) => Math.floor(kids.length / columns) + (c < kids.length % columns ? 1 : 0));
      let k = 0;
      splitEastWest(q, perColumn, random).forEach((column, c) => {
        const rows = kids.slice(k, k + perColumn[c]!);
        k += rows.length;
        splitSouthNorth(
          column,
          rows.map(() => 1),
          random,
        ).forEach((rq, r) => place(rows[r]!, rq));
      });
    }
  };
  const bottom = new Line(sw, se);
  const right = new Line(se, ne);
  const top = new Line(nw, ne);
  const left = new Line(sw, nw);
  const roots = areas.filter((a) => a.parent === null);
  if (roots.length !== 1 || roots[0]!.level !== 'city') throw new Error('withBoundaries: the tree has one root, a city');
  place(roots[0]!, { bottom: whole(bottom), right: whole(right), top: whole(top), left: whole(left) });
  // Rings are read only now, once every cut has placed its points.
  return areas.map((a) => {
    const q = a.level === 'city' ? undefined : quads.get(a.code);
    const boundary: AreaBoundary | undefined = q ? { type: 'Polygon', coordinates: [ring(q) as [number, number][]] } : undefined;
    return boundary ? { ...a, boundary } : { ...a };
  });
}
