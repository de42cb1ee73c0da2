import { describe, expect, it } from 'vitest';
import { CounterReadCache, type PartitionPart } from './counter-cache.ts';

const part = (version: string, values: number[]): PartitionPart => ({
  version,
  totals: Float64Array.from(values),
  present: Uint8Array.from(values.map(() => 1)),
});

describe('the cache of counter reads', () => {
  it('answers a part only at the version it was read at', () => {
    const cache = new CounterReadCache(1024 * 1024);
    cache.set('q', part('5 t1', [1, 2]));
    expect(cache.get('q', '5 t1')?.totals).toEqual(Float64Array.from([1, 2]));
    expect(cache.get('q', '6 t1')).toBeUndefined();
    expect(cache.get('q', '5 t2')).toBeUndefined();
    expect(cache.get('other', '5 t1')).toBeUndefined();
    expect(cache.counts).toEqual({ hits: 1, misses: 3 });
  });

  it('holds at most its bytes, dropping the least recently used first', () => {
    const one = 8 * 100 + 100 + 2 * (1 + 4) + 160; // a part of 100 values under a one-letter key
    const seen: number[] = [];
    const cache = new CounterReadCache(3 * one, { found: () => undefined, bytes: (held) => seen.push(held) });
    const values = Array.from({ length: 100 }, (_, i) => i);
    for (const key of ['a', 'b', 'c']) cache.set(key, part('v  1', values));
    expect(cache.bytes).toBe(3 * one);
    expect(cache.get('a', 'v  1')).toBeDefined(); // a is now the most recent
    cache.set('d', part('v  1', values));
    expect(cache.size).toBe(3);
    expect(cache.get('b', 'v  1')).toBeUndefined();
    expect(['a', 'c', 'd'].every((k) => cache.get(k, 'v  1') !== undefined)).toBe(true);
    // A key set again replaces its part, and what it held is given back.
    cache.set('a', part('v  2', values));
    expect(cache.bytes).toBe(3 * one);
    expect(seen.at(-1)).toBe(3 * one);
    // A part larger than the whole cache is not kept, and does not empty it.
    cache.set(
      'huge',
      part(
        'v  1',
        Array.from({ length: 1_000 }, () => 1),
      ),
    );
    expect(cache.size).toBe(3);
  });

  it('keeps nothing at 0 bytes', () => {
    const cache = new CounterReadCache(0);
    expect(cache.enabled).toBe(false);
    cache.set('q', part('5 t1', [1]));
    expect(cache.get('q', '5 t1')).toBeUndefined();
    expect(() => new CounterReadCache(-1)).toThrow(RangeError);
  });
});
