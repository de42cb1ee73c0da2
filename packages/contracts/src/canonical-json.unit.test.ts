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

  it('refuses what JSON cannot hold', () => {
    expect(() => canonicalJson(undefined)).toThrow();
  });
});
