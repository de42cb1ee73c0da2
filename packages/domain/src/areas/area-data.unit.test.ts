import { describe, expect, it } from 'vitest';
import { AreaData, parseAreaTree } from './area-data.ts';

const city = { code: '440700', name: '江门市', level: 'city', parent: null };
const district = { code: '440705', name: '新会区', level: 'district', parent: '440700' };
const town = { code: '440705001', name: '会城街道', level: 'town', parent: '440705' };

describe('parseAreaTree: an area tree from data', () => {
  it('builds the tree an areas file lists, in any order', () => {
    const tree = parseAreaTree({ areas: [town, city, district] });
    expect(tree.size).toBe(3);
    expect(tree.lineage('440705001')).toEqual(['440705001', '440705', '440700']);
  });

  it('refuses what is not an areas file, naming the field at fault', () => {
    expect(() => parseAreaTree({})).toThrow(/not an areas file: areas:/);
    expect(() => parseAreaTree({ areas: [] })).toThrow(/at least its root city/);
    expect(() => parseAreaTree({ areas: [city, { ...district, code: '4407' }] })).toThrow(
      /areas\.1\.code: an area code has 6, 9, 12 or 15 digits/,
    );
    expect(() => parseAreaTree({ areas: [city, { ...district, level: 'province' }] })).toThrow(/areas\.1\.level/);
    expect(AreaData.safeParse({ areas: [{ ...city, name: '' }] }).success).toBe(false);
  });

  it('refuses a tree that breaks the tree’s rules: a missing parent, a level out of place, a code twice', () => {
    expect(() => parseAreaTree({ areas: [city, town] })).toThrow(/missing parent 440705/);
    expect(() => parseAreaTree({ areas: [city, { ...town, parent: '440700' }] })).toThrow(/cannot sit under 440700/);
    expect(() => parseAreaTree({ areas: [city, district, district] })).toThrow(/duplicate area code 440705/);
  });
});
