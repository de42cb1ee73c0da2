import type { Redis } from 'ioredis';
import { defineScript, integersReply } from './script.ts';

/** The rate limits' keys: one fixed-window counter per subject (`ip:<address>`, `user:<id>`), one key each. */
export class RateLimitKeys {
  constructor(readonly prefix: string) {}
  /** The counter of one subject's current window (a TTL ends the window). */
  counter(subject: string): string {
    return `${this.prefix}:ratelimit:${subject}`;
  }
}

/** One key per counter (one hash slot): INCR, and the window's expiry set by the first hit of the window. */
const rateLimitHit = defineScript({
  name: 'rateLimitHit',
  keys: ['counterKey'],
  argv: ['windowMs'],
  lua: `
local counterKey = KEYS[1]
local windowMs = ARGV[1]
local n = redis.call('INCR', counterKey)
if n == 1 then redis.call('PEXPIRE', counterKey, windowMs) end
local ttl = redis.call('PTTL', counterKey)
if ttl < 0 then redis.call('PEXPIRE', counterKey, windowMs); ttl = tonumber(windowMs) end
return {n, ttl}
`,
  reply: (raw) => {
    const [count, resetInMs, ...rest] = integersReply(raw);
    if (count === undefined || resetInMs === undefined || rest.length > 0)
      throw new Error(`expected [count, ttl], got ${JSON.stringify(raw)}`);
    return { count, resetInMs };
  },
});

/**
 * Fixed-window request counters in Redis: a window opens with a key's first hit and lasts `windowMs`, so every
 * instance of a service counts against the same limit.
 */
export class RedisRateLimitStore {
  private readonly keys: RateLimitKeys;

  constructor(
    private readonly redis: Redis,
    keyPrefix: string,
  ) {
    this.keys = new RateLimitKeys(keyPrefix);
  }

  async hit(subject: string, windowMs: number): Promise<{ count: number; resetInMs: number }> {
    return rateLimitHit.run(this.redis, { counterKey: this.keys.counter(subject) }, { windowMs });
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
