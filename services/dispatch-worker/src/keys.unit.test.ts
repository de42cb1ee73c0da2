import { hashSlot } from '@gridgov/redis';
import { describe, expect, it } from 'vitest';
import { partitionKeys } from './keys.ts';

describe("the dispatch worker's key layout", () => {
  it('is <prefix>:{w<partition>}:<name> for every key of a commands partition', () => {
    expect(partitionKeys('grid', 7)).toEqual({
      epoch: 'grid:{w7}:epoch',
      checkpoint: 'grid:{w7}:checkpoint',
      incidents: 'grid:{w7}:incidents',
      decided: 'grid:{w7}:decided',
      outbox: 'grid:{w7}:outbox',
      timers: 'grid:{w7}:timers',
      log: 'grid:{w7}:log',
      restored: 'grid:{w7}:restored',
    });
  });

  it("keeps a partition's keys in one hash slot (its scripts touch them together on a Redis Cluster too)", () => {
    for (const partition of [0, 1, 11, 63]) {
      const slots = new Set(Object.values(partitionKeys('grid', partition)).map(hashSlot));
      expect(slots).toEqual(new Set([hashSlot(`{w${partition}}`)]));
    }
    expect(hashSlot(partitionKeys('grid', 0).epoch)).not.toBe(hashSlot(partitionKeys('grid', 1).epoch));
  });
});
