import { AreaTree, type Area, type AreaData } from '@gridgov/domain';
import { withBoundaries } from './boundaries.ts';
import { luanAreas } from './luan.ts';
import { mulberry32 } from './random.ts';

interface TownSeed {
  readonly name: string;
  readonly communities: readonly string[];
}

/**
 * 江门市新会区 as docs/domain.md describes it: one street and ten towns, 662 grids.
 * Community names beyond the few named in the docs are generated (xx社区 / xx村);
 * the shape (levels, code lengths, counts) is what tests and demos rely on. The services do not generate it: they
 * load `data/areas/xinhui.json` (AREAS_FILE), which `write-areas.ts` wrote from this and a test keeps equal to it.
 */
const XINHUI_TOWNS: readonly TownSeed[] = [
  { name: '会城街道', communities: ['同德社区', '北门社区', '城南社区', '城西社区', '江华社区', '东侯社区'] },
  { name: '大泽镇', communities: ['大泽社区', '五和村', '沿江村'] },
  { name: '司前镇', communities: ['司前社区', '石步村', '天等村'] },
  { name: '罗坑镇', communities: ['罗坑社区', '牛湾村'] },
  { name: '双水镇', communities: ['双水社区', '沙路村', '豪山村'] },
  { name: '崖门镇', communities: ['崖门社区', '京背村'] },
  { name: '沙堆镇', communities: ['沙堆社区', '梅阁村', '那伏村'] },
  { name: '古井镇', communities: ['古井社区', '霞路村', '慈溪村'] },
  { name: '三江镇', communities: ['三江社区', '联和村'] },
  { name: '睦洲镇', communities: ['睦洲社区', '莲腰村'] },
  { name: '大鳌镇', communities: ['大鳌社区', '东风村'] },
];

export const XINHUI = { cityCode: '440700', cityName: '江门市', districtCode: '440705', districtName: '新会区', grids: 662 } as const;

/** Spreads `total` grids over `n` buckets as evenly as possible (the first buckets take the remainder). */
function spread(total: number, n: number): number[] {
  const base = Math.floor(total / n);
  return Array.from({ length: n }, (_, i) => base + (i < total % n ? 1 : 0));
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** 新会区's areas with boundaries (generated, seeded: plausible shapes around 113.03°E 22.52°N, not the real ones). */
export function xinhuiAreas(): Area[] {
  // 新会区 spans roughly 112.85–113.2°E, 22.25–22.65°N.
  return withBoundaries(
    xinhuiTree(),
    [
      [112.86, 22.24],
      [113.21, 22.27],
      [113.18, 22.66],
      [112.84, 22.62],
    ],
    mulberry32(440705),
  );
}

function xinhuiTree(): Area[] {
  const areas: Area[] = [
    { code: XINHUI.cityCode, name: XINHUI.cityName, level: 'city', parent: null },
    { code: XINHUI.districtCode, name: XINHUI.districtName, level: 'district', parent: XINHUI.cityCode },
  ];
  const communityCount = XINHUI_TOWNS.reduce((n, t) => n + t.communities.length, 0);
  const gridsPerCommunity = spread(XINHUI.grids, communityCount);
  let communityIndex = 0;
  XINHUI_TOWNS.forEach((town, townIndex) => {
    // 001–099 are streets, 100–199 towns (statistical division code practice).
    const townCode = XINHUI.districtCode + (townIndex === 0 ? '001' : pad(100 + townIndex - 1, 3));
    areas.push({ code: townCode, name: town.name, level: 'town', parent: XINHUI.districtCode });
    town.communities.forEach((communityName, i) => {
      const communityCode = townCode + pad(i + 1, 3);
      areas.push({ code: communityCode, name: communityName, level: 'community', parent: townCode });
      const grids = gridsPerCommunity[communityIndex++] ?? 0;
      for (let g = 1; g <= grids; g++) {
        areas.push({ code: communityCode + pad(g, 3), name: `${communityName}第${g}网格`, level: 'grid', parent: communityCode });
      }
    });
  });
  return areas;
}

export interface GeneratedTreeShape {
  /** Six-digit city code (e.g. 440700); districts are numbered under it. */
  readonly cityCode: string;
  readonly cityName: string;
  readonly districts: number;
  readonly townsPerDistrict: number;
  readonly communitiesPerTown: number;
  /** Total grids, spread evenly over the communities. */
  readonly grids: number;
}

/** A larger tree of the same shape, for load tests: e.g. a city of 10,000 grids or a province-sized 100,000. */
export function generatedAreas(shape: GeneratedTreeShape): Area[] {
  const { cityCode, districts, townsPerDistrict, communitiesPerTown } = shape;
  if (!/^\d{4}00$/.test(cityCode)) throw new Error('cityCode must be six digits ending in 00');
  if (!Number.isInteger(districts) || districts < 1 || districts > 99) throw new Error('districts must be 1..99');
  if (!Number.isInteger(townsPerDistrict) || townsPerDistrict < 1 || townsPerDistrict > 199)
    throw new Error('townsPerDistrict must be 1..199');
  if (!Number.isInteger(communitiesPerTown) || communitiesPerTown < 1 || communitiesPerTown > 999)
    throw new Error('communitiesPerTown must be 1..999');
  if (!Number.isInteger(shape.grids) || shape.grids < 0) throw new Error('grids must be a whole number, 0 or more');
  const communities = districts * townsPerDistrict * communitiesPerTown;
  const perCommunity = spread(shape.grids, communities);
  if ((perCommunity[0] ?? 0) > 999) throw new Error('more than 999 grids in one community: add communities');
  const areas: Area[] = [{ code: cityCode, name: shape.cityName, level: 'city', parent: null }];
  let c = 0;
  for (let d = 1; d <= districts; d++) {
    const districtCode = cityCode.slice(0, 4) + pad(d, 2);
    areas.push({ code: districtCode, name: `${shape.cityName}第${d}区`, level: 'district', parent: cityCode });
    for (let t = 1; t <= townsPerDistrict; t++) {
      const townCode = districtCode + pad(t, 3);
      areas.push({ code: townCode, name: `第${d}区第${t}街道`, level: 'town', parent: districtCode });
      for (let m = 1; m <= communitiesPerTown; m++) {
        const communityCode = townCode + pad(m, 3);
        areas.push({ code: communityCode, name: `${townCode}-${m}社区`, level: 'community', parent: townCode });
        const grids = perCommunity[c++] ?? 0;
        for (let g = 1; g <= grids; g++) {
          areas.push({ code: communityCode + pad(g, 3), name: `${communityCode}-${g}网格`, level: 'grid', parent: communityCode });
        }
      }
    }
  }
  return areas;
}

/** Generated area trees, by name: 新会区, the 六安-like 金安区, and two larger ones (no boundaries) for load tests. */
export const AreaFixtures = {
  xinhui: () => new AreaTree(xinhuiAreas()),
  luan: () => new AreaTree(luanAreas()),
  city10k: () =>
    new AreaTree(
      generatedAreas({ cityCode: '449900', cityName: '示例市', districts: 8, townsPerDistrict: 12, communitiesPerTown: 12, grids: 10_000 }),
    ),
  province100k: () =>
    new AreaTree(
      generatedAreas({
        cityCode: '449800',
        cityName: '示例省',
        districts: 90,
        townsPerDistrict: 20,
        communitiesPerTown: 10,
        grids: 100_000,
      }),
    ),
} as const;
export type AreaFixtureName = keyof typeof AreaFixtures;

/** A tree as an areas file holds it (the data the services load with `parseAreaTree`): every area, root first. */
export const areaData = (tree: AreaTree): AreaData => ({
  areas: [...tree.all()].map(({ code, name, level, parent, boundary }) => ({
    code,
    name,
    level,
    parent,
    ...(boundary ? { boundary } : {}),
  })),
});

/** An areas file's text: one area a line (boundary included), as committed; Prettier leaves data/areas/ alone. */
export function areaFileText(tree: AreaTree): string {
  const lines = areaData(tree).areas.map(
    (a) =>
      `    { "code": ${JSON.stringify(a.code)}, "name": ${JSON.stringify(a.name)}, "level": ${JSON.stringify(a.level)}, "parent": ${JSON.stringify(a.parent)}${a.boundary ? `, "boundary": ${JSON.stringify(a.boundary)}` : ''} }`,
  );
  return `{\n  "areas": [\n${lines.join(',\n')}\n  ]\n}\n`;
}
