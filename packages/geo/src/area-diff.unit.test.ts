import { AreaTree, type Area } from '@gridgov/domain';
import { describe, expect, it } from 'vitest';
import { diffAreaTrees } from './area-diff.ts';

const square = (x: number) => ({
  type: 'Polygon' as const,
  coordinates: [
    [
      [x, 0],
      [x + 1, 0],
      [x + 1, 1],
      [x, 0],
    ] as [number, number][],
  ],
});
const base: Area[] = [
  { code: '341500', name: '六安市', level: 'city', parent: null },
  { code: '341502', name: '金安区', level: 'district', parent: '341500' },
  { code: '341502001', name: '中市街道', level: 'town', parent: '341502' },
  { code: '341502002', name: '东市街道', level: 'town', parent: '341502' },
  { code: '341502001001', name: '龙湾社区', level: 'community', parent: '341502001', boundary: square(0) },
  { code: '341502001002', name: '凤塘社区', level: 'community', parent: '341502001' },
];

describe('diffAreaTrees', () => {
  it('given the same tree, reports nothing changed', () => {
    const diff = diffAreaTrees(new AreaTree(base), new AreaTree(base.map((a) => ({ ...a }))));
    expect(diff).toEqual({ added: [], removed: [], renamed: [], moved: [], boundaryChanged: [], unchanged: 6 });
  });

  it('reports added, removed, renamed, moved and boundary-changed areas by code', () => {
    const next: Area[] = [
      ...base.slice(0, 4),
      { code: '341502001001', name: '龙湾社区', level: 'community', parent: '341502001', boundary: square(5) },
      { code: '341502002003', name: '凤塘社区', level: 'community', parent: '341502002' },
      { code: '341502001002', name: '凤塘新社区', level: 'community', parent: '341502002' },
    ];
    next[3] = { ...next[3]!, name: '东市新街道' };
    const diff = diffAreaTrees(new AreaTree(base), new AreaTree(next));
    expect(diff.added).toEqual([{ code: '341502002003', name: '凤塘社区', level: 'community' }]);
    expect(diff.removed).toEqual([]);
    expect(diff.renamed).toEqual([
      { code: '341502001002', name: '凤塘新社区', level: 'community', from: '凤塘社区' },
      { code: '341502002', name: '东市新街道', level: 'town', from: '东市街道' },
    ]);
    expect(diff.moved).toEqual([
      { code: '341502001002', name: '凤塘新社区', level: 'community', fromParent: '341502001', toParent: '341502002' },
    ]);
    expect(diff.boundaryChanged).toEqual([{ code: '341502001001', name: '龙湾社区', level: 'community' }]);
    expect(diff.unchanged).toBe(3);
    const removed = diffAreaTrees(new AreaTree(next), new AreaTree(base)).removed;
    expect(removed).toEqual([{ code: '341502002003', name: '凤塘社区', level: 'community' }]);
  });
});
