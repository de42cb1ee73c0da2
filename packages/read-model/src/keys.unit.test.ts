import { describe, expect, it } from 'vitest';
import { readModelKeys } from './keys.ts';

describe('readModelKeys', () => {
  const keys = readModelKeys('grid');

  it('lays out the keys the API reads outside any hash tag', () => {
    expect(keys.view('i-1')).toBe('grid:incident:i-1');
    expect(keys.history('i-1')).toBe('grid:history:i-1');
    expect(keys.caseQueue('440705', 'new')).toBe('grid:cases:440705:new');
    expect(keys.reportedBy('staff-001')).toBe('grid:reported-by:staff-001');
    expect(keys.outcome('c-1')).toBe('grid:outcome:c-1');
  });

  it("keeps one partition's fold under one hash tag {c<p>}, so its script touches one slot", () => {
    const p = keys.partition(7);
    expect(p).toEqual({
      incidents: 'grid:{c7}:incidents',
      eventsCheckpoint: 'grid:{c7}:checkpoint:events',
      outcomesCheckpoint: 'grid:{c7}:checkpoint:outcomes',
      eventsRestored: 'grid:{c7}:restored:events',
      outcomesRestored: 'grid:{c7}:restored:outcomes',
    });
    const tags = Object.values(p).map((key) => /\{([^}]*)\}/.exec(key)?.[1]);
    expect(new Set(tags)).toEqual(new Set(['c7']));
  });
});
