import { CounterChanges } from '@gridgov/domain';
import { hashSlot } from '@gridgov/redis';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FIRST_GENERATION, FoldedDeltas, ProjectionKeys } from './counter-store.ts';

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

describe("a batch's folded counter changes as the apply script takes them (FoldedDeltas.lists)", () => {
  const keyOf = (area: string, window: string) => `${area}/${window}`;
  /** Each hash's fields as written: key → [field, by, ...]. */
  const written = (folded: FoldedDeltas) => {
    const { keys, lists, uses } = folded.lists(keyOf);
    expect(uses).toHaveLength(keys.length);
    return new Map(keys.map((key, i) => [key, lists[uses[i]! - 1]]));
  };

  it('sends each hash its net changes in the order first made, leaves out what nets to 0, and shares a list between hashes alike', () => {
    const folded = new FoldedDeltas();
    folded.add(new CounterChanges(['44', '4401'], ['all', 'm1'], ['reported', 'open'], [1, 1]));
    folded.add(new CounterChanges(['4401'], ['m1'], ['open', 'closed'], [-1, 1]));
    folded.add(new CounterChanges(['4402'], ['all'], ['open', 'reported'], [1, 1]));
    folded.add(new CounterChanges(['4403'], ['all'], ['gone'], [1]));
    folded.add(new CounterChanges(['4403'], ['all'], ['gone'], [-1]));
    const { keys, lists, uses } = folded.lists(keyOf);
    expect(keys).toEqual(['44/all', '44/m1', '4401/all', '4401/m1', '4402/all']);
    expect(lists).toEqual([
      ['reported', 1, 'open', 1],
      ['reported', 1, 'closed', 1],
      ['open', 1, 'reported', 1],
    ]);
    expect(uses).toEqual([1, 1, 1, 2, 3]);
  });

  it('tells apart amounts that agree in their low 32 bits', () => {
    const folded = new FoldedDeltas();
    folded.add(new CounterChanges(['44'], ['all'], ['overdueMs'], [1]));
    folded.add(new CounterChanges(['4401'], ['all'], ['overdueMs'], [1 + 2 ** 32]));
    expect(written(folded)).toEqual(
      new Map([
        ['44/all', ['overdueMs', 1]],
        ['4401/all', ['overdueMs', 1 + 2 ** 32]],
      ]),
    );
  });

  it('writes every hash the sums of its changes, no two lists the same', () => {
    const change = fc.record({
      areas: fc.uniqueArray(fc.constantFrom('44', '4401', '4402', '440101'), { minLength: 1 }),
      windows: fc.uniqueArray(fc.constantFrom('all', 'm1', 'd1'), { minLength: 1 }),
      fields: fc.uniqueArray(fc.constantFrom('a', 'b', 'c', 'd', 'e'), { minLength: 1 }),
      by: fc.array(fc.integer({ min: -2, max: 2 }), { minLength: 5, maxLength: 5 }),
    });
    fc.assert(
      fc.property(fc.array(change, { maxLength: 12 }), (changes) => {
        const folded = new FoldedDeltas();
        const expected = new Map<string, Map<string, number>>();
        for (const c of changes) {
          const by = c.fields.map((_, k) => c.by[k]!);
          folded.add(new CounterChanges(c.areas, c.windows, c.fields, by));
          for (const area of c.areas)
            for (const window of c.windows) {
              const key = keyOf(area, window);
              const sums = expected.get(key) ?? new Map<string, number>();
              expected.set(key, sums);
              c.fields.forEach((field, k) => sums.set(field, (sums.get(field) ?? 0) + by[k]!));
            }
        }
        const sent = written(folded);
        const nonZero = [...expected]
          .map(([key, sums]) => [key, [...sums].filter(([, n]) => n !== 0)] as const)
          .filter(([, fields]) => fields.length > 0);
        expect(sent).toEqual(new Map(nonZero.map(([key, fields]) => [key, fields.flat()])));
        const { lists } = folded.lists(keyOf);
        expect(new Set(lists.map((l) => JSON.stringify(l))).size).toBe(lists.length);
      }),
    );
  });
});
