import type { AreaBoundary } from '@gridgov/contracts';

export const AreaLevels = ['city', 'district', 'town', 'community', 'grid'] as const;
export type AreaLevel = (typeof AreaLevels)[number];

export interface Area {
  readonly code: string;
  readonly name: string;
  readonly level: AreaLevel;
  readonly parent: string | null;
  /** Where the area lies, when the areas file gives it (GeoJSON Polygon or MultiPolygon, WGS84 lon/lat). */
  readonly boundary?: AreaBoundary | undefined;
}

export class UnknownAreaError extends Error {
  readonly code = 'UNKNOWN_AREA';
  constructor(readonly areaCode: string) {
    super(`unknown area ${areaCode}`);
  }
}

/** The five-level area hierarchy, indexed for constant-time lookups of ancestors and children. */
export class AreaTree {
  private readonly byCode = new Map<string, Area>();
  private readonly childrenOf = new Map<string, string[]>();
  private readonly ancestorsOf = new Map<string, readonly string[]>();

  constructor(areas: Iterable<Area>) {
    for (const area of areas) {
      if (this.byCode.has(area.code)) throw new Error(`duplicate area code ${area.code}`);
      this.byCode.set(area.code, area);
    }
    for (const area of this.byCode.values()) {
      if (area.parent === null) {
        if (area.level !== 'city') throw new Error(`area ${area.code} (${area.level}) has no parent; only a city may be a root`);
        continue;
      }
      const parent = this.byCode.get(area.parent);
      if (!parent) throw new Error(`area ${area.code} names a missing parent ${area.parent}`);
      if (AreaLevels.indexOf(parent.level) + 1 !== AreaLevels.indexOf(area.level)) {
        throw new Error(`area ${area.code} (${area.level}) cannot sit under ${parent.code} (${parent.level})`);
      }
      const siblings = this.childrenOf.get(parent.code) ?? [];
      siblings.push(area.code);
      this.childrenOf.set(parent.code, siblings);
    }
  }

  get size(): number {
    return this.byCode.size;
  }

  has(code: string): boolean {
    return this.byCode.has(code);
  }

  find(code: string): Area | undefined {
    return this.byCode.get(code);
  }

  get(code: string): Area {
    const area = this.byCode.get(code);
    if (!area) throw new UnknownAreaError(code);
    return area;
  }

  children(code: string): readonly Area[] {
    return (this.childrenOf.get(code) ?? []).map((c) => this.get(c));
  }

  /** The area itself and every area above it, nearest first (grid → community → town → district → city). */
  lineage(code: string): readonly string[] {
    let cached = this.ancestorsOf.get(code);
    if (!cached) {
      const path: string[] = [];
      for (let area: Area | undefined = this.get(code); area; area = area.parent ? this.byCode.get(area.parent) : undefined) {
        path.push(area.code);
      }
      cached = path;
      this.ancestorsOf.set(code, cached);
    }
    return cached;
  }

  /** True when `code` is `ancestor` or lies anywhere below it. */
  isWithin(code: string, ancestor: string): boolean {
    return this.has(code) && this.lineage(code).includes(ancestor);
  }

  roots(): readonly Area[] {
    return [...this.byCode.values()].filter((a) => a.parent === null);
  }

  all(): IterableIterator<Area> {
    return this.byCode.values();
  }

  ofLevel(level: AreaLevel): Area[] {
    return [...this.byCode.values()].filter((a) => a.level === level);
  }
}
