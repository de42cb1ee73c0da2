import type { Redis } from 'ioredis';

// One key per counter (one hash slot): INCR, and the window's expiry set by the first hit of the window.
const HIT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {n, ttl}
`;

/**
 * Fixed-window request counters in Redis: a window opens with a key's first hit and lasts `windowMs`, so every
 * instance of a service counts against the same limit.
 */
export class RedisRateLimitStore {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
  ) {}

  async hit(key: string, windowMs: number): Promise<{ count: number; resetInMs: number }> {
    const [count, ttl] = (await this.redis.eval(HIT, 1, `${this.keyPrefix}:ratelimit:${key}`, String(windowMs))) as [number, number];
    return { count, resetInMs: ttl };
  }
}

/** The rate limits of an HTTP service, from its RATE_LIMIT_* settings, kept in Redis so they hold across instances. */
export function rateLimitsFrom(
  redis: Redis,
  keyPrefix: string,
  config: { readonly RATE_LIMIT_WINDOW_MS: number; readonly RATE_LIMIT_PER_USER: number; readonly RATE_LIMIT_PER_IP: number },
) {
  return {
    store: new RedisRateLimitStore(redis, keyPrefix),
    windowMs: config.RATE_LIMIT_WINDOW_MS,
    perUser: config.RATE_LIMIT_PER_USER,
    perIp: config.RATE_LIMIT_PER_IP,
  };
}
