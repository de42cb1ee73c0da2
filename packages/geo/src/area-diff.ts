import { canonicalJson } from '@gridgov/contracts';
import type { Area, AreaLevel, AreaTree } from '@gridgov/domain';

export interface AreaChangeRef {
  readonly code: string;
  readonly name: string;
  readonly level: AreaLevel;
}

/** What applying `next` over `current` would change, area by area (codes are the identity). */
export interface AreaTreeDiff {
  readonly added: readonly AreaChangeRef[];
  readonly removed: readonly AreaChangeRef[];
  readonly renamed: readonly (AreaChangeRef & { readonly from: string })[];
  /** Areas under a different parent (or of another level) than before. */
  readonly moved: readonly (AreaChangeRef & { readonly fromParent: string | null; readonly toParent: string | null })[];
  /** Areas whose boundary was added, removed or changed. */
  readonly boundaryChanged: readonly AreaChangeRef[];
  /** Areas with no change at all. */
  readonly unchanged: number;
}

const ref = ({ code, name, level }: Area): AreaChangeRef => ({ code, name, level });
const byCode = (a: { code: string }, b: { code: string }) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0);
const boundaryKey = (area: Area) => (area.boundary ? canonicalJson(area.boundary) : '');

/** The difference between two area trees, for an admin to read before applying an import (each list by code). */
export function diffAreaTrees(current: AreaTree, next: AreaTree): AreaTreeDiff {
  const added: AreaChangeRef[] = [];
  const removed: AreaChangeRef[] = [];
  const renamed: (AreaChangeRef & { from: string })[] = [];
  const moved: (AreaChangeRef & { fromParent: string | null; toParent: string | null })[] = [];
  const boundaryChanged: AreaChangeRef[] = [];
  let unchanged = 0;
  for (const area of next.all()) {
    const before = current.find(area.code);
    if (!before) {
      added.push(ref(area));
      continue;
    }
    let same = true;
    if (before.name !== area.name) {
      renamed.push({ ...ref(area), from: before.name });
      same = false;
    }
    if (before.parent !== area.parent || before.level !== area.level) {
      moved.push({ ...ref(area), fromParent: before.parent, toParent: area.parent });
      same = false;
    }
    if (boundaryKey(before) !== boundaryKey(area)) {
      boundaryChanged.push(ref(area));
      same = false;
    }
    if (same) unchanged++;
  }
  for (const area of current.all()) if (!next.has(area.code)) removed.push(ref(area));
  return {
    added: added.sort(byCode),
    removed: removed.sort(byCode),
    renamed: renamed.sort(byCode),
    moved: moved.sort(byCode),
    boundaryChanged: boundaryChanged.sort(byCode),
    unchanged,
  };
}
