import { liveView } from '@gridgov/config-data';
import { AreaTree, type Area } from '@gridgov/domain';
import { loadXinhuiAreas } from '@gridgov/testing';
import { describe, expect, it } from 'vitest';
import { LiveGridLocator } from './grid-locations.ts';

describe('LiveGridLocator: the locator of the area tree in force', () => {
  const base = loadXinhuiAreas();
  const square = {
    type: 'Polygon' as const,
    coordinates: [
      [
        [112, 21],
        [112.01, 21],
        [112.01, 21.01],
        [112, 21.01],
        [112, 21],
      ] as [number, number][],
    ],
  };
  const added: Area = { code: '440705001001099', name: '同德社区第99网格', level: 'grid', parent: '440705001001', boundary: square };

  it('finds a grid added to the tree in force once the areas document changes, and only then rebuilds', () => {
    const documents = [{ areas: [...base.all()] }];
    let current = { tree: base, document: documents[0]! as object };
    const locator = new LiveGridLocator(
      liveView(() => current.tree),
      () => current.document,
    );
    expect(locator.locate(112.005, 21.005)).toBeUndefined();
    const first = locator.current();
    // Another kind changed: the same areas document, the same locator.
    current = { ...current, tree: new AreaTree([...base.all()]) };
    expect(locator.current()).toBe(first);
    // The areas changed: rebuilt, and the new grid is found.
    const next = new AreaTree([...[...base.all()], added]);
    current = { tree: next, document: { areas: next.all() } };
    expect(locator.locate(112.005, 21.005)).toBe(added.code);
    expect(locator.current()).not.toBe(first);
  });
});
