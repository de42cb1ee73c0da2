import { readFileSync } from 'node:fs';
import { type Area, type AreaTree, parseAreaTree } from '@gridgov/domain';
import { describe, expect, it } from 'vitest';
import { areaData, areaFileText, AreaFixtures, type GeneratedTreeShape, generatedAreas } from './areas.ts';
import { LUAN_AREAS_FILE, XINHUI_AREAS_FILE } from './write-areas.ts';

const byName = (tree: AreaTree, level: Area['level'], name: string): Area => {
  const found = tree.ofLevel(level).filter((a) => a.name === name);
  expect(found, `exactly one ${level} named ${name}`).toHaveLength(1);
  return found[0]!;
};

/**
 * The shape every tree must have, whatever its size: codes are digits of the length of their level
 * and nest in their parent's code; only the city has no parent. Returns the areas that break it.
 */
function malformed(tree: AreaTree): string[] {
  const codeLength = { city: 6, district: 6, town: 9, community: 12, grid: 15 } as const;
  const problems: string[] = [];
  for (const area of tree.all()) {
    if (!/^\d+$/.test(area.code) || area.code.length !== codeLength[area.level]) problems.push(`${area.code}: bad ${area.level} code`);
    if (area.parent === null) {
      if (area.level !== 'city') problems.push(`${area.code}: a ${area.level} without a parent`);
    } else if (area.level === 'district' ? area.code.slice(0, 4) !== area.parent.slice(0, 4) : !area.code.startsWith(area.parent)) {
      problems.push(`${area.code}: does not nest in ${area.parent}`);
    }
  }
  return problems;
}

describe('the 新会区 fixture', () => {
  const tree = AreaFixtures.xinhui();

  it('is rooted at 江门市 (440700) with the single district 新会区 (440705)', () => {
    expect(tree.roots()).toEqual([{ code: '440700', name: '江门市', level: 'city', parent: null }]);
    expect(tree.ofLevel('district')).toEqual([
      {
        code: '440705',
        name: '新会区',
        level: 'district',
        parent: '440700',
        boundary: expect.objectContaining({ type: 'Polygon' }) as unknown,
      },
    ]);
  });

  it('has exactly 662 grids', () => {
    expect(tree.ofLevel('grid')).toHaveLength(662);
  });

  it('has the street 会城街道 and the ten towns of 新会区', () => {
    const towns = tree.ofLevel('town');
    expect(towns.map((t) => t.name).sort()).toEqual(
      ['会城街道', '大泽镇', '司前镇', '罗坑镇', '双水镇', '崖门镇', '沙堆镇', '古井镇', '三江镇', '睦洲镇', '大鳌镇'].sort(),
    );
    for (const t of towns) expect(t.parent).toBe('440705');
  });

  it('codes the street 001 and the ten towns 100..109, following the statistical division code', () => {
    expect(byName(tree, 'town', '会城街道').code).toBe('440705001');
    const townCodes = tree
      .ofLevel('town')
      .filter((t) => t.name.endsWith('镇'))
      .map((t) => t.code)
      .sort();
    expect(townCodes).toEqual(Array.from({ length: 10 }, (_, i) => `440705${100 + i}`));
  });

  it('places 同德社区 and 北门社区 under 会城街道 and 梅阁村 under 沙堆镇', () => {
    const huicheng = byName(tree, 'town', '会城街道');
    const shadui = byName(tree, 'town', '沙堆镇');
    expect(byName(tree, 'community', '同德社区').parent).toBe(huicheng.code);
    expect(byName(tree, 'community', '北门社区').parent).toBe(huicheng.code);
    expect(byName(tree, 'community', '梅阁村').parent).toBe(shadui.code);
  });

  it('gives every grid a 15-digit code that starts with its community code', () => {
    for (const grid of tree.ofLevel('grid')) {
      expect(grid.code).toMatch(/^\d{15}$/);
      const community = tree.get(grid.parent!);
      expect(community.level).toBe('community');
      expect(grid.code.startsWith(community.code)).toBe(true);
    }
    expect(malformed(tree)).toEqual([]);
  });

  it('leaves no community without grids', () => {
    for (const community of tree.ofLevel('community')) expect(tree.children(community.code).length).toBeGreaterThan(0);
  });

  it('traces a grid up through community, town, district 440705 and city 440700', () => {
    const meige = byName(tree, 'community', '梅阁村');
    const grid = tree.children(meige.code)[0]!;
    expect(tree.lineage(grid.code)).toEqual([grid.code, meige.code, meige.parent, '440705', '440700']);
    expect(tree.lineage(grid.code).map((c) => tree.get(c).level)).toEqual(['grid', 'community', 'town', 'district', 'city']);
    for (const grid of tree.ofLevel('grid')) {
      const lineage = tree.lineage(grid.code);
      expect(lineage).toHaveLength(5);
      expect(lineage.slice(3)).toEqual(['440705', '440700']);
    }
  });

  it('tells which grids lie within which area', () => {
    const tongde = byName(tree, 'community', '同德社区');
    const meige = byName(tree, 'community', '梅阁村');
    const tongdeGrid = tree.children(tongde.code)[0]!;
    expect(tree.isWithin(tongdeGrid.code, tongde.code)).toBe(true);
    expect(tree.isWithin(tongdeGrid.code, '440705001')).toBe(true);
    expect(tree.isWithin(tongdeGrid.code, '440705')).toBe(true);
    expect(tree.isWithin(tongdeGrid.code, meige.code)).toBe(false);
    expect(tree.isWithin(tongdeGrid.code, meige.parent!)).toBe(false);
    const underHuicheng = tree.ofLevel('grid').filter((g) => tree.isWithin(g.code, '440705001'));
    const viaChildren = tree.children('440705001').flatMap((c) => tree.children(c.code));
    expect(underHuicheng.map((g) => g.code).sort()).toEqual(viaChildren.map((g) => g.code).sort());
  });

  it('is built afresh each time, with the same codes', () => {
    const again = AreaFixtures.xinhui();
    expect(again).not.toBe(tree);
    expect([...again.all()]).toEqual([...tree.all()]);
  });
});

describe('data/areas/xinhui.json, the tree the services load by default', () => {
  const text = readFileSync(XINHUI_AREAS_FILE, 'utf8');

  it('is what the generator writes, to the byte (after changing the generator: pnpm --filter @gridgov/simulator write-areas)', () => {
    expect(text).toBe(areaFileText(AreaFixtures.xinhui()));
  });

  it('loads through the areas schema into the generated tree, area for area', () => {
    const loaded = parseAreaTree(JSON.parse(text));
    expect(areaData(loaded)).toEqual(areaData(AreaFixtures.xinhui()));
    expect(loaded.ofLevel('grid')).toHaveLength(662);
  });
});

describe('data/areas/luan.json, the 六安-like second district (金安区)', () => {
  const text = readFileSync(LUAN_AREAS_FILE, 'utf8');
  const tree = AreaFixtures.luan();

  it('is what the seeded generator writes, to the byte (after changing it: write-areas luan)', () => {
    expect(text).toBe(areaFileText(tree));
    expect(areaData(parseAreaTree(JSON.parse(text)))).toEqual(areaData(tree));
  });

  it('is 六安市 金安区 with its streets and towns, about 1,100 grids, codes of GB/T 2260 shape', () => {
    expect(tree.roots().map((r) => [r.code, r.name])).toEqual([['341500', '六安市']]);
    expect(tree.children('341500').map((d) => [d.code, d.name])).toEqual([['341502', '金安区']]);
    expect(tree.children('341502').map((t) => t.name)).toContain('毛坦厂镇');
    expect(tree.ofLevel('grid')).toHaveLength(1100);
    expect(malformed(tree)).toEqual([]);
  });
});

describe('generated trees', () => {
  it('city10k has 10,000 grids spread evenly over its communities', () => {
    const tree = AreaFixtures.city10k();
    expect(tree.roots()).toHaveLength(1);
    expect(tree.ofLevel('grid')).toHaveLength(10_000);
    expect(malformed(tree)).toEqual([]);
    const perCommunity = tree.ofLevel('community').map((c) => tree.children(c.code).length);
    expect(Math.max(...perCommunity) - Math.min(...perCommunity)).toBeLessThanOrEqual(1);
    expect(perCommunity.reduce((a, b) => a + b, 0)).toBe(10_000);
  });

  // Building and checking 100,000 grids takes a moment: the timeout is a safety net, not an assertion.
  it('province100k has 100,000 grids, each five levels deep', { timeout: 60_000 }, () => {
    const tree = AreaFixtures.province100k();
    const grids = tree.ofLevel('grid');
    expect(grids).toHaveLength(100_000);
    expect(malformed(tree)).toEqual([]);
    const root = tree.roots()[0]!.code;
    const shallow = grids.filter((g) => {
      const lineage = tree.lineage(g.code);
      return lineage.length !== 5 || lineage[4] !== root;
    });
    expect(shallow).toEqual([]);
  });

  const ok: GeneratedTreeShape = {
    cityCode: '449900',
    cityName: '测试市',
    districts: 2,
    townsPerDistrict: 2,
    communitiesPerTown: 2,
    grids: 20,
  };

  it('generates exactly the requested counts at every level', () => {
    const areas = generatedAreas(ok);
    const count = (level: Area['level']) => areas.filter((a) => a.level === level).length;
    expect([count('city'), count('district'), count('town'), count('community'), count('grid')]).toEqual([1, 2, 4, 8, 20]);
  });

  it('accepts up to 999 grids in one community', () => {
    const areas = generatedAreas({ ...ok, districts: 1, townsPerDistrict: 1, communitiesPerTown: 1, grids: 999 });
    expect(areas.filter((a) => a.level === 'grid')).toHaveLength(999);
  });

  it.each<[string, Partial<GeneratedTreeShape>]>([
    ['a five-digit city code', { cityCode: '44990' }],
    ['a city code that does not end in 00', { cityCode: '449901' }],
    ['a city code with letters', { cityCode: 'ab9900' }],
    ['no districts', { districts: 0 }],
    ['100 districts (two digits only)', { districts: 100 }],
    ['a fractional number of districts', { districts: 1.5 }],
    ['no towns', { townsPerDistrict: 0 }],
    ['200 towns per district', { townsPerDistrict: 200 }],
    ['no communities', { communitiesPerTown: 0 }],
    ['1,000 communities per town', { communitiesPerTown: 1000 }],
    ['a negative number of grids', { grids: -5 }],
    ['a fractional number of grids', { grids: 20.5 }],
    ['more than 999 grids in one community', { districts: 1, townsPerDistrict: 1, communitiesPerTown: 1, grids: 1000 }],
  ])('rejects %s', (_, change) => {
    expect(() => generatedAreas({ ...ok, ...change })).toThrow();
  });
});
