import type { AreasDocument } from './documents.ts';

type AreaRow = AreasDocument['areas'][number];

/** What an area-tree import changes, by code: what an admin sees before applying it. */
export interface AreaDiff {
  readonly added: readonly { code: string; name: string; level: string; parent: string | null }[];
  readonly renamed: readonly { code: string; from: string; to: string }[];
  /** Moved under another parent (or to another level). */
  readonly moved: readonly { code: string; from: string | null; to: string | null }[];
  readonly boundariesChanged: readonly string[];
  readonly removed: readonly { code: string; name: string; level: string }[];
  readonly unchanged: number;
}

// An area's boundary (GeoJSON), when the tree has them: compared as data.
const boundaryOf = (a: AreaRow): string => JSON.stringify((a as { boundary?: unknown }).boundary ?? null);

/** The difference between the tree in force and an imported one. */
export function diffAreas(before: AreasDocument, after: AreasDocument): AreaDiff {
  const old = new Map(before.areas.map((a) => [a.code, a]));
  const seen = new Set<string>();
  const added: AreaDiff['added'][number][] = [];
  const renamed: AreaDiff['renamed'][number][] = [];
  const moved: AreaDiff['moved'][number][] = [];
  const boundariesChanged: string[] = [];
  let unchanged = 0;
  for (const a of after.areas) {
    seen.add(a.code);
    const was = old.get(a.code);
    if (!was) {
      added.push({ code: a.code, name: a.name, level: a.level, parent: a.parent });
      continue;
    }
    let same = true;
    if (was.name !== a.name) {
      renamed.push({ code: a.code, from: was.name, to: a.name });
      same = false;
    }
    if (was.parent !== a.parent || was.level !== a.level) {
      moved.push({ code: a.code, from: was.parent, to: a.parent });
      same = false;
    }
    if (boundaryOf(was) !== boundaryOf(a)) {
      boundariesChanged.push(a.code);
      same = false;
    }
    if (same) unchanged++;
  }
  const removed = before.areas.filter((a) => !seen.has(a.code)).map((a) => ({ code: a.code, name: a.name, level: a.level }));
  return { added, renamed, moved, boundariesChanged, removed, unchanged };
}

/** "3 added, 1 renamed, 2 boundaries changed": a diff in one line (audit summaries, logs). */
export function describeAreaDiff(d: AreaDiff): string {
  const parts = [
    [d.added.length, 'added'],
    [d.renamed.length, 'renamed'],
    [d.moved.length, 'moved'],
    [d.boundariesChanged.length, 'boundaries changed'],
    [d.removed.length, 'removed'],
  ] as const;
  const said = parts.filter(([n]) => n > 0).map(([n, what]) => `${n} ${what}`);
  return said.length > 0 ? said.join(', ') : 'no change';
}
