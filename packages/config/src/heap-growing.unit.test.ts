import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, HeapGrowingPercent, parseConfig } from './index.ts';

// The heap growth a process sets at start from its environment (PROJECTION_HEAP_GROWING_PERCENT,
// WORKER_RESTORE_HEAP_GROWING_PERCENT): a value V8 would take wrongly, or not at all, is refused by name.
const Schema = z.object({ X_HEAP_GROWING_PERCENT: HeapGrowingPercent });

describe('a heap growth from the environment', () => {
  it('is 100 unless set, and takes 0 (V8 left to itself) to 400', () => {
    expect(parseConfig(Schema, {}).X_HEAP_GROWING_PERCENT).toBe(100);
    expect(parseConfig(Schema, { X_HEAP_GROWING_PERCENT: '0' }).X_HEAP_GROWING_PERCENT).toBe(0);
    expect(parseConfig(Schema, { X_HEAP_GROWING_PERCENT: '400' }).X_HEAP_GROWING_PERCENT).toBe(400);
  });

  it.each(['401', '-1', '12.5', 'half', '1e9'])('refuses %s, naming the variable', (value) => {
    expect(() => parseConfig(Schema, { X_HEAP_GROWING_PERCENT: value })).toThrow(ConfigError);
    expect(() => parseConfig(Schema, { X_HEAP_GROWING_PERCENT: value })).toThrow(/X_HEAP_GROWING_PERCENT/);
  });
});
