import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json.ts';

describe('canonicalJson', () => {
  it('sorts keys at every depth, leaves out undefined, writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: null, y: '网格' }], c: undefined } })).toBe(
      '{"a":{"d":[3,{"y":"网格","z":null}]},"b":1}',
    );
  });

  it('gives the same text for the same value however it was written', () => {
    const value = JSON.parse('{"x":1.5,"list":[true,false],"nested":{"b":"2","a":"1"}}') as unknown;
    const again = JSON.parse('{"nested":{"a":"1","b":"2"},"list":[true,false],"x":1.5}') as unknown;
    expect(canonicalJson(value)).toBe(canonicalJson(again));
  });

  it('sorts integer-like keys as text, not first as an object lists them', () => {
    expect(canonicalJson({ b: 3, '2': 2, B: 4, '10': 1 })).toBe('{"10":1,"2":2,"B":4,"b":3}');
  });

  it('writes null for an array item that is missing or undefined, and {} for an object of undefined fields only', () => {
    const sparse: unknown[] = new Array(3);
    sparse[1] = 'x';
    expect(canonicalJson(sparse)).toBe('[null,"x",null]');
    expect(canonicalJson([undefined, 1])).toBe('[null,1]');
    expect(canonicalJson({ a: undefined, b: { c: undefined } })).toBe('{"b":{}}');
    expect(canonicalJson({ a: undefined })).toBe('{}');
    expect(canonicalJson([])).toBe('[]');
  });

  it('is JSON.stringify of the same value with its keys sorted, for random nested values', () => {
    const pick = (n: number): number => Math.floor(Math.random() * n);
    // No integer-like keys here: an object lists those first whatever the order, so `sorted` could not sort them.
    const words = ['', 'a', 'B', '网格', 'é', '"q"', '\\', 'line\n', '😀', 'x10', 'x2'];
    const random = (depth: number): unknown => {
      const kind = depth > 3 ? pick(4) : pick(6);
      if (kind === 0) return words[pick(words.length)];
      if (kind === 1) return [0, -1, 1.5, 1e21, -0.25, 123456789][pick(6)];
      if (kind === 2) return [true, false, null][pick(3)];
      if (kind === 3) return undefined;
      if (kind === 4) return Array.from({ length: pick(4) }, () => random(depth + 1));
      return Object.fromEntries(Array.from({ length: pick(5) }, () => [words[pick(words.length)], random(depth + 1)]));
    };
    const sorted = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(sorted)
        : v !== null && typeof v === 'object'
          ? Object.fromEntries(
              Object.keys(v)
                .sort()
                .map((k) => [k, sorted((v as Record<string, unknown>)[k])]),
            )
          : v;
    for (let i = 0; i < 2000; i++) {
      const value = { root: random(0) };
      expect(canonicalJson(value)).toBe(JSON.stringify(sorted(value)));
    }
  });

  it('refuses what JSON cannot hold', () => {
    expect(() => canonicalJson(undefined)).toThrow();
  });
});
