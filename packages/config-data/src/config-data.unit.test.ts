import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AreaBoundary } from '@gridgov/contracts';
import { describeAreaDiff, diffAreas } from './area-diff.ts';
import { loadBaseline } from './baseline.ts';
import type { AreasDocument, CatalogDocument, ConfigKind } from './documents.ts';
import { ConfigHistory } from './history.ts';
import { liveView } from './live.ts';
import { changeKey, type ConfigChange } from './record.ts';
import type { ConfigSnapshot } from './snapshot.ts';
import { InvalidConfigError } from './validate.ts';

const AREAS_FILE = fileURLToPath(new URL('../../../data/areas/xinhui.json', import.meta.url));
const ROUTING_RULES_FILE = fileURLToPath(new URL('../../../data/routing/xinhui-rules.json', import.meta.url));
const wh = (amount: number) => ({ unit: 'working_hours' as const, amount });
const wd = (amount: number) => ({ unit: 'working_days' as const, amount });

let baseline: ConfigSnapshot;
beforeAll(async () => {
  baseline = await loadBaseline({
    AREAS_FILE,
    ROUTING_RULES_FILE,
    OFFICE_HOURS: [
      { start: '08:30', end: '12:00' },
      { start: '14:30', end: '17:30' },
    ],
    DEADLINE_DISPATCH: wh(2),
    DEADLINE_SIGN_FOR: wh(2),
    DEADLINE_VERIFICATION: wd(1),
    ESCALATION_EVERY: wd(1),
    WARNING_FRACTIONS: [0.5, 0.8],
  });
});

const NEW_GRID = { code: '440705001001099', name: '同德社区第99网格', level: 'grid' as const, parent: '440705001001' };

function change(version: number, kind: ConfigKind, after: unknown, by = 'admin-1'): ConfigChange {
  return {
    id: randomUUID(),
    version,
    kind,
    at: '2026-11-30T08:00:00.000Z',
    by: { id: by, role: 'admin' },
    summary: `${kind} changed`,
    after,
  };
}

const withCategory = (catalog: CatalogDocument, code: string, department = 'sanitation'): CatalogDocument => ({
  ...catalog,
  categories: [
    ...catalog.categories,
    {
      code,
      name: '噪音扰民',
      defaultDepartment: department,
      confidential: false,
      handling: { normal: wh(3), urgent: wh(2), very_urgent: wh(1) },
    },
  ],
});

describe('version 0: the deployment files', () => {
  it('is the areas file, the built-in catalog, the routing file, the calendar and the policy, decided with as before', () => {
    expect(baseline.version).toBe(0);
    expect(baseline.areas.size).toBe(706);
    expect(baseline.catalog.category('exposed_rubbish')?.defaultDepartment).toBe('sanitation');
    expect(baseline.routing.route('exposed_rubbish', '440705001001001')).toBe('urban_mgmt');
    expect(baseline.context.configVersion).toBe(0);
    expect(baseline.policy.warningFractions).toEqual([0.5, 0.8]);
  });

  it('refuses a file that breaks a rule, naming the setting, the row and the field', async () => {
    await expect(
      loadBaseline({
        ...baselineSettings(),
        AREAS_FILE: fileURLToPath(new URL('../../../data/routing/xinhui-rules.json', import.meta.url)),
      }),
    ).rejects.toThrow(/^AREAS_FILE: areas: areas: /);
  });
});

function baselineSettings() {
  return {
    AREAS_FILE,
    OFFICE_HOURS: [{ start: '08:30', end: '12:00' }],
    DEADLINE_DISPATCH: wh(2),
    DEADLINE_SIGN_FOR: wh(2),
    DEADLINE_VERIFICATION: wd(1),
    ESCALATION_EVERY: wd(1),
    WARNING_FRACTIONS: [0.5],
  };
}

describe('validation names the row and the field', () => {
  it('duplicate codes, a missing parent and a level out of place in an area tree', () => {
    const areas = baseline.documents.areas.areas;
    const bad: AreasDocument = {
      areas: [
        ...areas,
        { ...areas[5]! },
        { code: '440705001999001', name: '孤儿网格', level: 'grid', parent: '440705001999' },
        { code: '440705001001098', name: '错层', level: 'town', parent: '440705001001' },
      ],
    };
    const n = areas.length;
    try {
      baseline.with('areas', bad);
      expect.unreachable('an invalid tree was accepted');
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidConfigError);
      expect((err as InvalidConfigError).issues).toEqual([
        { kind: 'areas', path: `areas.${n}.code`, message: `duplicate area code ${areas[5]!.code} (as row 5)` },
        { kind: 'areas', path: `areas.${n + 1}.parent`, message: '440705001999001 names a missing parent 440705001999' },
        { kind: 'areas', path: `areas.${n + 2}.level`, message: '440705001001098 (town) cannot sit under 440705001001 (community)' },
      ]);
    }
  });

  it('a category sent to a department that does not exist, and a routing rule for an area that does not', () => {
    const catalog = withCategory(baseline.documents.catalog, 'noise', 'no_such_dept');
    expect(() => baseline.with('catalog', catalog)).toThrow(
      `catalog: categories.${catalog.categories.length - 1}.defaultDepartment: unknown department no_such_dept`,
    );
    const rules = [...baseline.documents.routing.rules, { area: '440705999', category: '*', department: 'sanitation' }];
    expect(() => baseline.with('routing', { rules })).toThrow('routing: rules.1.area: unknown area 440705999');
  });

  it('a catalog change that would orphan a routing rule is refused with the rule named', () => {
    const catalog = {
      ...baseline.documents.catalog,
      departments: baseline.documents.catalog.departments.filter((d) => d.code !== 'urban_mgmt'),
    };
    expect(() => baseline.with('catalog', catalog)).toThrow(/routing: rules\.0\.department: unknown department urban_mgmt/);
  });
});

describe('the log of changes (ConfigHistory)', () => {
  it('applies each valid change as the next version, with who, when, before and after', () => {
    const history = new ConfigHistory(baseline);
    const catalog = withCategory(baseline.documents.catalog, 'noise');
    const applied = history.apply(change(1, 'catalog', catalog));
    expect(applied.ok).toBe(true);
    expect(history.current.version).toBe(1);
    expect(history.current.catalog.category('noise')?.handling.normal).toEqual(wh(3));
    expect(history.current.context.configVersion).toBe(1);
    expect(history.changes).toEqual([
      expect.objectContaining({
        version: 1,
        kind: 'catalog',
        by: { id: 'admin-1', role: 'admin' },
        before: baseline.documents.catalog,
        after: catalog,
      }),
    ]);
    // The snapshot that was in force is unchanged: a decision under way keeps it.
    expect(baseline.catalog.category('noise')).toBeUndefined();
  });

  it('refuses a second change claiming a version already made: the first in the log wins, on every reader alike', () => {
    const history = new ConfigHistory(baseline);
    const first = change(1, 'catalog', withCategory(baseline.documents.catalog, 'noise'), 'admin-1');
    const second = change(1, 'catalog', withCategory(baseline.documents.catalog, 'smoke'), 'admin-2');
    expect(history.apply(first).ok).toBe(true);
    expect(history.apply(second)).toEqual({ ok: false, reason: expect.stringContaining('claims version 1, but the next is 2') as string });
    expect(history.made(first.id)).toBe(true);
    expect(history.made(second.id)).toBe(false);
    expect(history.current.catalog.category('smoke')).toBeUndefined();
    // Their keys differ, so compaction keeps both: the history read again is the same.
    expect(changeKey(first)).not.toEqual(changeKey(second));
    expect(changeKey(first) < changeKey(change(2, 'policy', {}))).toBe(true);
  });

  it('reads a record as it stands on the log: its text applied, text that is no JSON and a tombstone refused', () => {
    const history = new ConfigHistory(baseline);
    expect(history.applyRecord('{"version": 1')).toMatchObject({ ok: false, reason: expect.stringMatching(/^not JSON: /) as string });
    expect(history.applyRecord(null)).toMatchObject({ ok: false, reason: expect.stringMatching(/^not a configuration change/) as string });
    expect(history.current.version).toBe(0);
    expect(history.applyRecord(Buffer.from(JSON.stringify(change(1, 'policy', baseline.documents.policy))))).toMatchObject({ ok: true });
    expect(history.current.version).toBe(1);
  });

  it('refuses garbage, a tombstone, a skipped version and an invalid document without changing anything', () => {
    const history = new ConfigHistory(baseline);
    expect(history.apply(undefined)).toMatchObject({ ok: false, reason: expect.stringMatching(/^not a configuration change/) as string });
    expect(history.apply(null)).toMatchObject({ ok: false });
    expect(history.apply({ ...change(1, 'policy', baseline.documents.policy), kind: 'weather' })).toMatchObject({
      ok: false,
      reason: expect.stringContaining('kind') as string,
    });
    expect(history.apply(change(2, 'policy', baseline.documents.policy))).toMatchObject({ ok: false });
    expect(history.apply(change(1, 'policy', { ...baseline.documents.policy, warningFractions: [0.8, 0.5] }))).toMatchObject({
      ok: false,
      reason: expect.stringContaining('policy: warningFractions: warning fractions ascend') as string,
    });
    expect(history.current).toBe(baseline);
    expect(history.changes).toEqual([]);
  });

  it('two readers of the same log hold the same versions', () => {
    const log = [
      change(1, 'areas', { areas: [...baseline.documents.areas.areas, NEW_GRID] }),
      change(1, 'policy', baseline.documents.policy),
      change(2, 'routing', { rules: [{ area: NEW_GRID.code, category: '*', department: 'housing' }] }),
      { not: 'a change' },
    ];
    const a = new ConfigHistory(baseline);
    const b = new ConfigHistory(baseline);
    for (const r of log) {
      a.apply(JSON.parse(JSON.stringify(r)));
      b.apply(JSON.parse(JSON.stringify(r)));
    }
    expect(a.current.version).toBe(2);
    expect(b.current.documents).toEqual(a.current.documents);
    expect(a.current.routing.route('dirty_road', NEW_GRID.code)).toBe('housing');
  });
});

describe('area tree diff', () => {
  it('says what an import adds, renames, moves, re-bounds and removes', () => {
    const before = baseline.documents.areas;
    const renamed = before.areas.map((a) => (a.code === '440705001001002' ? { ...a, name: '同德二格' } : a));
    const square: AreaBoundary = {
      type: 'Polygon',
      coordinates: [
        [
          [113, 22],
          [113.1, 22],
          [113, 22.1],
          [113, 22],
        ],
      ],
    };
    const bounded = renamed.map((a) =>
      a.code === '440705001001003'
        ? {
            ...a,
            boundary: square,
          }
        : a,
    );
    const after = { areas: [...bounded.filter((a) => a.code !== '440705001001004'), NEW_GRID] };
    const diff = diffAreas(before, after);
    expect(diff.added).toEqual([NEW_GRID]);
    expect(diff.renamed).toEqual([{ code: '440705001001002', from: '同德社区第2网格', to: '同德二格' }]);
    expect(diff.boundariesChanged).toEqual(['440705001001003']);
    expect(diff.removed).toEqual([{ code: '440705001001004', name: '同德社区第4网格', level: 'grid' }]);
    expect(diff.moved).toEqual([]);
    expect(diff.unchanged).toBe(before.areas.length - 3);
    expect(describeAreaDiff(diff)).toBe('1 added, 1 renamed, 1 boundaries changed, 1 removed');
    expect(describeAreaDiff(diffAreas(before, before))).toBe('no change');
  });
});

describe('liveView', () => {
  it('reads through to whatever snapshot is in force at each call', () => {
    const history = new ConfigHistory(baseline);
    const areas = liveView(() => history.current.areas);
    expect(areas.has(NEW_GRID.code)).toBe(false);
    history.apply(change(1, 'areas', { areas: [...baseline.documents.areas.areas, NEW_GRID] }));
    expect(areas.has(NEW_GRID.code)).toBe(true);
    expect(areas.lineage(NEW_GRID.code)).toEqual([NEW_GRID.code, '440705001001', '440705001', '440705', '440700']);
    expect(areas.size).toBe(707);
  });
});

describe('diffAreas: what an import changes, by code', () => {
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
  const base: AreasDocument['areas'] = [
    { code: '341500', name: '六安市', level: 'city', parent: null },
    { code: '341502', name: '金安区', level: 'district', parent: '341500' },
    { code: '341502001', name: '中市街道', level: 'town', parent: '341502' },
    { code: '341502002', name: '东市街道', level: 'town', parent: '341502' },
    { code: '341502001001', name: '龙湾社区', level: 'community', parent: '341502001', boundary: square(0) },
    { code: '341502001002', name: '凤塘社区', level: 'community', parent: '341502001' },
  ];

  it('given an equal tree (copied, boundaries included), reports nothing changed', () => {
    const copy = structuredClone(base);
    expect(diffAreas({ areas: base }, { areas: copy })).toEqual({
      added: [],
      renamed: [],
      moved: [],
      boundariesChanged: [],
      removed: [],
      unchanged: 6,
    });
  });

  it('reports an area renamed and moved at once under both, and a boundary moved; removals the other way round', () => {
    const next: AreasDocument['areas'] = [
      ...base.slice(0, 3),
      { ...base[3]!, name: '东市新街道' },
      { ...base[4]!, boundary: square(5) },
      { code: '341502002003', name: '凤塘社区', level: 'community', parent: '341502002' },
      { code: '341502001002', name: '凤塘新社区', level: 'community', parent: '341502002' },
    ];
    const diff = diffAreas({ areas: base }, { areas: next });
    expect(diff.added).toEqual([{ code: '341502002003', name: '凤塘社区', level: 'community', parent: '341502002' }]);
    expect(diff.renamed).toEqual([
      { code: '341502002', from: '东市街道', to: '东市新街道' },
      { code: '341502001002', from: '凤塘社区', to: '凤塘新社区' },
    ]);
    expect(diff.moved).toEqual([{ code: '341502001002', from: '341502001', to: '341502002' }]);
    expect(diff.boundariesChanged).toEqual(['341502001001']);
    expect(diff.removed).toEqual([]);
    expect(diff.unchanged).toBe(3);
    expect(describeAreaDiff(diff)).toBe('1 added, 2 renamed, 1 moved, 1 boundaries changed');
    expect(diffAreas({ areas: next }, { areas: base }).removed).toEqual([{ code: '341502002003', name: '凤塘社区', level: 'community' }]);
  });
});
