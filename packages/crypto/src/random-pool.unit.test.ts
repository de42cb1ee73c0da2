import { describe, expect, it } from 'vitest';
import { randomFromPool } from './random-pool.ts';

describe('randomFromPool', () => {
  it('hands out each byte once: a thousand IVs, three pools and more, share no bytes', () => {
    const ivs = Array.from({ length: 1_000 }, () => randomFromPool(12).toString('hex'));
    expect(ivs.every((iv) => iv.length === 24)).toBe(true);
    expect(new Set(ivs).size).toBe(ivs.length);
    // Not only distinct IVs: no IV's bytes come back at another offset of a later pool either.
    const windows = new Set<string>();
    for (const iv of ivs) for (let i = 0; i + 16 <= iv.length; i += 2) windows.add(iv.slice(i, i + 16));
    expect(windows.size).toBe(ivs.length * 5);
  });

  it("gives a copy: a caller's bytes stay what they were when the pool is filled again", () => {
    const iv = randomFromPool(12);
    const seen = iv.toString('hex');
    for (let i = 0; i < 2_000; i++) randomFromPool(12);
    expect(iv.toString('hex')).toBe(seen);
  });

  it('draws more than the pool holds directly, of the length asked', () => {
    const big = randomFromPool(10_000);
    expect(big).toHaveLength(10_000);
    expect(new Set(big).size).toBeGreaterThan(200);
  });
});
