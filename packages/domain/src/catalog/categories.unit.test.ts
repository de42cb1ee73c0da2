import { describe, expect, it } from 'vitest';
import { Catalog, UNKNOWN_CATEGORY_HANDLING } from './categories.ts';

const catalog = new Catalog();

describe('Catalog: a category and what it sets', () => {
  it('gives a catalog category its own handling time, name, confidentiality and default department', () => {
    expect(catalog.handling('dirty_road', 'normal')).toEqual({ unit: 'working_hours', amount: 5 });
    expect(catalog.handling('manhole_cover', 'very_urgent')).toEqual({ unit: 'natural_hours', amount: 2 });
    expect(catalog.categoryName('exposed_rubbish')).toBe('暴露垃圾');
    expect(catalog.isConfidential('gang_crime_lead')).toBe(true);
    expect(catalog.isConfidential('exposed_rubbish')).toBe(false);
    expect(catalog.defaultDepartment('illegal_construction')).toBe('urban_mgmt');
  });

  it('gives a category not in the catalog (a case decided under an older one) the fallbacks, from one place', () => {
    expect(catalog.category('street_vendors')).toBeUndefined();
    expect(UNKNOWN_CATEGORY_HANDLING).toEqual({ unit: 'working_days', amount: 1 });
    for (const urgency of ['normal', 'urgent', 'very_urgent'] as const) {
      expect(catalog.handling('street_vendors', urgency)).toEqual(UNKNOWN_CATEGORY_HANDLING);
    }
    expect(catalog.categoryName('street_vendors')).toBe('street_vendors');
    expect(catalog.isConfidential('street_vendors')).toBe(false);
    expect(catalog.defaultDepartment('street_vendors')).toBeUndefined();
  });

  it('refuses a category whose default department it does not know', () => {
    expect(
      () =>
        new Catalog([
          { code: 'x', name: 'x', defaultDepartment: 'nowhere', confidential: false, handling: catalog.category('dispute')!.handling },
        ]),
    ).toThrow(/unknown department nowhere/);
  });
});
