import { describe, expect, it } from 'vitest';
import { caseFacets, facetChanges, filterFacets, filterIndexKeys, viewMeetsFilter } from './filter-index.ts';
import { reportedCase } from './test-support.ts';

describe('the filter indexes', () => {
  const { change } = reportedCase('staff-facets');
  const view = change.view;
  const lineage = change.areas;

  it('names one set a facet, outside any hash tag', () => {
    const keys = filterIndexKeys('grid');
    expect(keys.facet('category:dispute')).toBe('grid:idx:category:dispute');
    expect(keys.text('垃圾')).toBe('grid:idx:text:垃圾');
    expect(keys.searchText('i-1')).toBe('grid:search-text:i-1');
  });

  it('puts a new case in its category, urgency, department, every area of its lineage and its flags', () => {
    expect(change.facets.remove).toEqual([]);
    expect(change.facets.add).toEqual(caseFacets(view, lineage));
    expect(change.facets.add).toEqual(
      expect.arrayContaining([`category:${view.category}`, `urgency:${view.urgency}`, ...lineage.map((a) => `area:${a}`)]),
    );
    expect(change.text).toBe('垃圾');
  });

  it('moves a case between the sets it leaves and joins, and leaves the others alone', () => {
    const later = {
      ...view,
      department: 'urban_mgmt',
      escalationLevel: 1,
      deadlines: [{ stage: 'handling' as const, due: null, overdue: true }],
    };
    const { add, remove } = facetChanges(view, later, lineage);
    expect(add.sort()).toEqual(['department:urban_mgmt', 'flag:escalated', 'flag:overdue']);
    expect(remove).toEqual(view.department ? [`department:${view.department}`] : []);
  });

  it('checks a view against a filter as the indexes answer it', () => {
    const at = Date.parse(view.reportedAt!);
    expect(viewMeetsFilter(view, lineage, {})).toBe(true);
    expect(viewMeetsFilter(view, lineage, { category: view.category, area: lineage.at(-1)!, from: at, to: at })).toBe(true);
    expect(viewMeetsFilter(view, lineage, { from: at + 1 })).toBe(false);
    expect(viewMeetsFilter(view, lineage, { urgency: 'very_urgent' })).toBe(view.urgency === 'very_urgent');
    expect(viewMeetsFilter(view, lineage, { flags: ['escalated'] })).toBe(false);
    expect(filterFacets({ category: 'c', urgency: 'urgent', area: 'a', department: 'd', flags: ['overdue'] })).toEqual([
      'category:c',
      'urgency:urgent',
      'area:a',
      'department:d',
      'flag:overdue',
    ]);
  });

  it('keeps no text of a confidential lead', () => {
    const lead = reportedCase('staff-lead', 'gang_crime_lead');
    expect(lead.change.text).toBeUndefined();
    expect(lead.change.facets.add).toContain('category:gang_crime_lead');
  });
});
