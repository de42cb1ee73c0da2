import type { Area } from '@gridgov/domain';
import { withBoundaries } from './boundaries.ts';
import { int, mulberry32, pick, type Random } from './random.ts';

/**
 * A 六安-like second district: 安徽省六安市 (341500) 金安区 (341502), with its streets and towns by their real names,
 * generated communities and 1,100 grids, each with a boundary near 116.5°E 31.7°N. Seeded, so the same every run;
 * `write-areas luan` writes it to data/areas/luan.json, which a test keeps equal to this.
 */
export const LUAN = {
  cityCode: '341500',
  cityName: '六安市',
  districtCode: '341502',
  districtName: '金安区',
  grids: 1100,
  seed: 341502,
} as const;

const STREETS = ['中市街道', '东市街道', '城北街道', '三里桥街道', '清水河街道', '望城街道'];
const TOWNS = [
  '木厂镇',
  '马头镇',
  '东桥镇',
  '张店镇',
  '毛坦厂镇',
  '东河口镇',
  '椿树镇',
  '双河镇',
  '施桥镇',
  '孙岗镇',
  '三十铺镇',
  '翁墩乡',
  '横塘岗乡',
  '淠东乡',
  '先生店乡',
  '中店乡',
];
const FIRST = [...'龙凤桥塘岗河湾冲店集庙山岭圩庄埠畈堰铺园新东西南北长安和平兴福丰宝胜利双桂花柳杨松竹梅兰青金银石马牛鹤'];
const SECOND = [...'湾塘岗冲桥河店集庄圩园山岭畈堰埠铺岗楼亭井'];

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** A name not yet used in its town: two characters and 社区 (in a street) or 村 (in a town). */
function communityName(random: Random, street: boolean, used: Set<string>): string {
  for (;;) {
    const name = pick(random, FIRST) + pick(random, SECOND) + (street ? '社区' : '村');
    if (!used.has(name) && name[0] !== name[1]) {
      used.add(name);
      return name;
    }
  }
}

export function luanAreas(): Area[] {
  const random = mulberry32(LUAN.seed);
  const areas: Area[] = [
    { code: LUAN.cityCode, name: LUAN.cityName, level: 'city', parent: null },
    { code: LUAN.districtCode, name: LUAN.districtName, level: 'district', parent: LUAN.cityCode },
  ];
  const towns = [
    ...STREETS.map((name, i) => ({ name, code: LUAN.districtCode + pad(i + 1, 3), street: true })),
    ...TOWNS.map((name, i) => ({ name, code: LUAN.districtCode + pad(100 + i, 3), street: false })),
  ];
  // Streets are denser: more communities and more grids each than a rural town.
  const communities = towns.flatMap((town) => {
    areas.push({ code: town.code, name: town.name, level: 'town', parent: LUAN.districtCode });
    const used = new Set<string>();
    return Array.from({ length: (town.street ? 5 : 3) + int(random, 4) }, (_, c) => {
      const community: Area = {
        code: town.code + pad(c + 1, 3),
        name: communityName(random, town.street, used),
        level: 'community',
        parent: town.code,
      };
      areas.push(community);
      return { community, weight: (town.street ? 2 : 1) * (0.6 + random()) };
    });
  });
  // 1,100 grids by weight, each community at least 3.
  const total = communities.reduce((s, c) => s + c.weight, 0);
  const counts = communities.map((c) => Math.max(3, Math.floor((c.weight / total) * LUAN.grids)));
  for (let i = 0; counts.reduce((s, n) => s + n, 0) !== LUAN.grids; i = (i + 1) % counts.length) {
    const surplus = counts.reduce((s, n) => s + n, 0) - LUAN.grids;
    if (surplus < 0) counts[i]!++;
    else if (counts[i]! > 3) counts[i]!--;
  }
  communities.forEach(({ community }, i) => {
    for (let g = 1; g <= counts[i]!; g++) {
      areas.push({ code: community.code + pad(g, 3), name: `${community.name}第${g}网格`, level: 'grid', parent: community.code });
    }
  });
  // 金安区 spans roughly 116.2–116.8°E, 31.5–32.0°N.
  return withBoundaries(
    areas,
    [
      [116.22, 31.48],
      [116.78, 31.52],
      [116.74, 31.98],
      [116.26, 31.95],
    ],
    random,
  );
}
