import { hashSlot } from '@gridgov/redis';
import { describe, expect, it } from 'vitest';
import { FIRST_GENERATION, ProjectionKeys } from './counter-store.ts';

describe("the projection's key layout (ProjectionKeys)", () => {
  const keys = new ProjectionKeys('grid', 3);

  it("puts a generation's counters, incidents and checkpoints under <prefix>:g<N>:{pj<partition>}", () => {
    expect(keys.checkpoint(5)).toBe('grid:g3:{pj5}:checkpoint');
    expect(keys.incidents(5)).toBe('grid:g3:{pj5}:incidents');
    expect(keys.restored(5)).toBe('grid:g3:{pj5}:restored');
    expect(keys.counters(5, '440705', '2026-11')).toBe('grid:g3:{pj5}:c:440705:2026-11');
    expect(keys.generationPattern()).toBe('grid:g3:{pj*');
    expect(keys.at(4).checkpoint(5)).toBe('grid:g4:{pj5}:checkpoint');
    expect(keys.at(3)).toBe(keys);
  });

  it('keeps the pointer, its channel, the rebuild lock, the figures channel and the bulletins outside generations', () => {
    expect(keys.currentGeneration()).toBe('grid:projection:generation');
    expect(keys.generationChanged()).toBe('grid:projection:generation-changed');
    expect(keys.rebuildLock()).toBe('grid:projection:rebuild-lock');
    expect(keys.figuresChanged()).toBe('grid:figures-changed');
    expect(keys.bulletin('440705', '2026-11')).toBe('grid:bulletin:440705:2026-11');
    expect(keys.bulletinsRestored()).toBe('grid:bulletins:restored');
    expect(keys.at(FIRST_GENERATION).bulletin('440705', '2026-11')).toBe(keys.bulletin('440705', '2026-11'));
  });

  it("keeps what one partition's batch script touches in one hash slot, whatever the generation", () => {
    for (const generation of [1, 2, 17]) {
      for (const partition of [0, 1, 11]) {
        const k = keys.at(generation);
        const touched = [k.checkpoint(partition), k.incidents(partition), k.restored(partition), k.counters(partition, '44', 'all')];
        expect(new Set(touched.map(hashSlot))).toEqual(new Set([hashSlot(`{pj${partition}}`)]));
      }
    }
  });

  it('refuses a generation that is not a positive integer', () => {
    expect(() => new ProjectionKeys('grid', 0)).toThrow(RangeError);
    expect(() => new ProjectionKeys('grid', 1.5)).toThrow(RangeError);
  });
});
