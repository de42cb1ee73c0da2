import { describe, expect, it } from 'vitest';
import { type Area } from '../areas/area-tree.ts';
import { areas } from '../incident/test-support.ts';
import { Catalog } from './categories.ts';
import { type RoutingRule, RoutingRules, RoutingTable } from './routing.ts';

const catalog = new Catalog();

const named = (level: Area['level'], name: string): Area => {
  const found = areas.ofLevel(level).find((a) => a.name === name);
  if (!found) throw new Error(`no ${level} named ${name} in the fixture`);
  return found;
};
const huicheng = named('town', '会城街道');
const shadui = named('town', '沙堆镇');
const tongde = named('community', '同德社区');
const beimen = named('community', '北门社区');
const meige = named('community', '梅阁村');
const firstGrid = (community: Area) => areas.children(community.code)[0]!.code;
const tongdeGrid = firstGrid(tongde);
const beimenGrid = firstGrid(beimen);
const meigeGrid = firstGrid(meige);

const table = (...rules: RoutingRule[]) => new RoutingTable(areas, catalog, rules);

describe('RoutingTable', () => {
  it('routes to the category’s default department when no rule applies', () => {
    const routing = table();
    expect(routing.route('exposed_rubbish', tongdeGrid)).toBe('sanitation');
    expect(routing.route('illegal_construction', meigeGrid)).toBe('urban_mgmt');
    for (const category of catalog.allCategories()) expect(routing.route(category.code, beimenGrid)).toBe(category.defaultDepartment);
  });

  it('knows no department for a category that is not in the catalog', () => {
    expect(table().route('no_such_category', tongdeGrid)).toBeUndefined();
  });

  it('applies a rule on a town to every grid of that town, and only there', () => {
    const routing = table({ area: shadui.code, category: 'exposed_rubbish', department: 'urban_mgmt' });
    const shaduiGrids = areas.ofLevel('grid').filter((g) => areas.isWithin(g.code, shadui.code));
    expect(shaduiGrids.length).toBeGreaterThan(0);
    for (const grid of shaduiGrids) expect(routing.route('exposed_rubbish', grid.code)).toBe('urban_mgmt');
    expect(routing.route('exposed_rubbish', tongdeGrid)).toBe('sanitation');
    // other categories in the same town keep their defaults
    expect(routing.route('dirty_road', meigeGrid)).toBe('sanitation');
  });

  it("lets a '*' rule take every category of its area", () => {
    const routing = table({ area: huicheng.code, category: '*', department: 'urban_mgmt' });
    for (const category of catalog.allCategories()) expect(routing.route(category.code, tongdeGrid)).toBe('urban_mgmt');
    expect(routing.route('dispute', meigeGrid)).toBe('justice');
  });

  it("prefers a rule naming the category to a '*' rule on the same area, in whatever order they are given", () => {
    const star: RoutingRule = { area: huicheng.code, category: '*', department: 'urban_mgmt' };
    const dispute: RoutingRule = { area: huicheng.code, category: 'dispute', department: 'public_security' };
    for (const routing of [table(star, dispute), table(dispute, star)]) {
      expect(routing.route('dispute', tongdeGrid)).toBe('public_security');
      expect(routing.route('exposed_rubbish', tongdeGrid)).toBe('urban_mgmt');
    }
  });

  it('lets the rule on the nearest area win over one farther up', () => {
    const rules: RoutingRule[] = [
      { area: '440705', category: 'exposed_rubbish', department: 'urban_mgmt' },
      { area: huicheng.code, category: 'exposed_rubbish', department: 'housing' },
      { area: tongde.code, category: 'exposed_rubbish', department: 'ecology_env' },
      { area: tongdeGrid, category: 'exposed_rubbish', department: 'water_affairs' },
    ];
    const routing = table(...rules);
    expect(routing.route('exposed_rubbish', tongdeGrid)).toBe('water_affairs'); // the grid's own rule
    expect(routing.route('exposed_rubbish', areas.children(tongde.code)[1]!.code)).toBe('ecology_env'); // another grid of 同德社区
    expect(routing.route('exposed_rubbish', beimenGrid)).toBe('housing'); // 会城街道, outside 同德社区
    expect(routing.route('exposed_rubbish', meigeGrid)).toBe('urban_mgmt'); // only the district rule reaches 沙堆镇
    // the order of the rules does not matter
    expect(table(...[...rules].reverse()).route('exposed_rubbish', beimenGrid)).toBe('housing');
  });

  it("ranks nearness above naming the category: a '*' rule on the community beats a category rule on the district", () => {
    const routing = table(
      { area: '440705', category: 'dispute', department: 'public_security' },
      { area: beimen.code, category: '*', department: 'urban_mgmt' },
    );
    expect(routing.route('dispute', beimenGrid)).toBe('urban_mgmt');
    expect(routing.route('dispute', tongdeGrid)).toBe('public_security');
  });

  describe('refuses rules that name what does not exist', () => {
    it('an unknown area', () => {
      expect(() => table({ area: '440705999', category: 'dispute', department: 'justice' })).toThrow(/unknown area/);
    });

    it('an unknown department', () => {
      expect(() => table({ area: huicheng.code, category: 'dispute', department: 'ministry_of_magic' })).toThrow(/unknown department/);
    });

    it('an unknown category', () => {
      expect(() => table({ area: huicheng.code, category: 'unicorns', department: 'justice' })).toThrow(/unknown category/);
    });
  });
});

describe('RoutingTable: conflicting rules', () => {
  it('refuses two rules for the same category in the same area', () => {
    const catalog = new Catalog();
    expect(
      () =>
        new RoutingTable(areas, catalog, [
          { area: '440705001', category: 'dispute', department: 'justice' },
          { area: '440705001', category: 'dispute', department: 'public_security' },
        ]),
    ).toThrow(/two routing rules for dispute in 440705001/);
  });
});

describe('RoutingRules files', () => {
  it('reads the example file and routes by it', async () => {
    const { readFile } = await import('node:fs/promises');
    const file = JSON.parse(await readFile(new URL('../../../../data/routing/xinhui-rules.json', import.meta.url), 'utf8')) as unknown;
    const { rules } = RoutingRules.parse(file);
    const table = new RoutingTable(areas, new Catalog(), rules);
    expect(table.route('exposed_rubbish', '440705001001001')).toBe('urban_mgmt');
    expect(table.route('exposed_rubbish', '440705100001001')).toBe('sanitation');
  });

  it('names what is wrong in a bad file', () => {
    const result = RoutingRules.safeParse({ rules: [{ area: '4407', category: 'dispute', department: 'justice' }] });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['rules', 0, 'area']);
  });
});
