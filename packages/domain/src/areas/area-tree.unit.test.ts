import { describe, expect, it } from 'vitest';
import { type Area, AreaTree, UnknownAreaError } from './area-tree.ts';

// A small hand-made tree: one city, one district, one town, two communities, three grids.
const city: Area = { code: '440700', name: '江门市', level: 'city', parent: null };
const district: Area = { code: '440705', name: '新会区', level: 'district', parent: '440700' };
const town: Area = { code: '440705001', name: '会城街道', level: 'town', parent: '440705' };
const tongde: Area = { code: '440705001001', name: '同德社区', level: 'community', parent: '440705001' };
const beimen: Area = { code: '440705001002', name: '北门社区', level: 'community', parent: '440705001' };
const tongde1: Area = { code: '440705001001001', name: '同德社区第1网格', level: 'grid', parent: '440705001001' };
const tongde2: Area = { code: '440705001001002', name: '同德社区第2网格', level: 'grid', parent: '440705001001' };
const beimen1: Area = { code: '440705001002001', name: '北门社区第1网格', level: 'grid', parent: '440705001002' };
const small = [city, district, town, tongde, beimen, tongde1, tongde2, beimen1];

describe('AreaTree', () => {
  it('accepts areas in any order (children listed before their parents)', () => {
    const tree = new AreaTree([...small].reverse());
    expect(tree.size).toBe(small.length);
    expect(tree.lineage(beimen1.code)).toEqual([beimen1.code, beimen.code, town.code, district.code, city.code]);
  });

  it('gives the lineage of a grid nearest first, up to the city', () => {
    const tree = new AreaTree(small);
    expect(tree.lineage(tongde2.code)).toEqual(['440705001001002', '440705001001', '440705001', '440705', '440700']);
    expect(tree.lineage(tongde2.code).map((c) => tree.get(c).level)).toEqual(['grid', 'community', 'town', 'district', 'city']);
    expect(tree.lineage(city.code)).toEqual([city.code]);
  });

  it('knows the children of an area and the roots', () => {
    const tree = new AreaTree(small);
    expect(
      tree
        .children(tongde.code)
        .map((a) => a.code)
        .sort(),
    ).toEqual([tongde1.code, tongde2.code]);
    expect(
      tree
        .children(town.code)
        .map((a) => a.name)
        .sort(),
    ).toEqual(['北门社区', '同德社区'].sort());
    expect(tree.children(beimen1.code)).toEqual([]);
    expect(tree.roots()).toEqual([city]);
  });

  describe('isWithin', () => {
    const tree = new AreaTree(small);

    it('holds for the area itself and every area above it', () => {
      for (const ancestor of [tongde1, tongde, town, district, city]) expect(tree.isWithin(tongde1.code, ancestor.code)).toBe(true);
    });

    it('does not hold for a sibling, a cousin or a descendant', () => {
      expect(tree.isWithin(tongde1.code, tongde2.code)).toBe(false);
      expect(tree.isWithin(tongde1.code, beimen.code)).toBe(false);
      expect(tree.isWithin(beimen1.code, tongde.code)).toBe(false);
      expect(tree.isWithin(town.code, tongde.code)).toBe(false);
      expect(tree.isWithin(city.code, tongde1.code)).toBe(false);
    });

    it('is false, not an error, for unknown codes on either side', () => {
      expect(tree.isWithin('440705001001999', town.code)).toBe(false);
      expect(tree.isWithin(tongde1.code, '440705999')).toBe(false);
    });
  });

  describe('an unknown code', () => {
    const tree = new AreaTree(small);

    it('is absent from find and has', () => {
      expect(tree.find('440705001009')).toBeUndefined();
      expect(tree.has('440705001009')).toBe(false);
    });

    it('makes get and lineage throw UnknownAreaError with the code', () => {
      expect(() => tree.get('440705001009')).toThrow(UnknownAreaError);
      expect(() => tree.lineage('440705001009')).toThrow(UnknownAreaError);
      try {
        tree.get('440705001009');
        expect.unreachable();
      } catch (err) {
        expect(err).toBeInstanceOf(UnknownAreaError);
        expect((err as UnknownAreaError).code).toBe('UNKNOWN_AREA');
        expect((err as UnknownAreaError).areaCode).toBe('440705001009');
      }
    });
  });

  describe('the constructor refuses a malformed hierarchy', () => {
    it('refuses a duplicate code', () => {
      expect(() => new AreaTree([...small, { ...beimen1, name: '另一个网格' }])).toThrow(/duplicate/);
    });

    it('refuses an area whose parent is missing', () => {
      expect(() => new AreaTree([...small, { code: '440705002001', name: '孤儿社区', level: 'community', parent: '440705002' }])).toThrow(
        /missing parent/,
      );
    });

    it.each<[string, Area]>([
      ['a town directly under the city', { code: '440700100', name: '跳级镇', level: 'town', parent: '440700' }],
      ['a grid directly under a town', { code: '440705001900', name: '跳级网格', level: 'grid', parent: '440705001' }],
      ['a community under a community', { code: '440705001001900', name: '套娃社区', level: 'community', parent: '440705001001' }],
      ['a district under a grid (upside down)', { code: '440799', name: '倒置区', level: 'district', parent: '440705001001001' }],
      ['a city with a parent', { code: '440800', name: '子市', level: 'city', parent: '440700' }],
    ])('refuses a level skip: %s', (_, area) => {
      expect(() => new AreaTree([...small, area])).toThrow(/cannot sit under/);
    });

    it('refuses an area that is its own parent', () => {
      expect(() => new AreaTree([city, { code: '440705', name: '自指区', level: 'district', parent: '440705' }])).toThrow();
    });
  });
});

describe('AreaTree roots', () => {
  it('accepts only a city as a root', () => {
    expect(() => new AreaTree([{ code: '440705001001001', name: '孤立网格', level: 'grid', parent: null }])).toThrow(
      /only a city may be a root/,
    );
  });
});
