import { describe, expect, it } from 'vitest';
import { RateLimitKeys } from './rate-limit.ts';

describe('the rate limits key layout', () => {
  it('is <prefix>:ratelimit:<subject>, one key per counter', () => {
    const keys = new RateLimitKeys('grid');
    expect(keys.counter('ip:10.0.0.1')).toBe('grid:ratelimit:ip:10.0.0.1');
    expect(keys.counter('user:staff-001')).toBe('grid:ratelimit:user:staff-001');
  });
});
