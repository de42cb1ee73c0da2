import type { Redis } from 'ioredis';

/** The services' clock: time enters the domain as a value read here. */
export type Clock = () => Promise<Date>;

export const systemClock: Clock = () => Promise.resolve(new Date());

/**
 * A clock that tests and demos move by hand: the instant (epoch ms) stored at `key`, or the
 * system time while the key is unset. Every service of one deployment reads the same key.
 */
export function redisClock(redis: Redis, key: string): Clock {
  return async () => {
    const value = await redis.get(key);
    const ms = value === null ? Number.NaN : Number(value);
    return Number.isFinite(ms) ? new Date(ms) : new Date();
  };
}

export function clockKey(keyPrefix: string): string {
  return `${keyPrefix}:clock`;
}

/** The clock a service's CLOCK_SOURCE names: the system's, or the one tests and demos move in Redis. */
export function clockFrom(source: 'system' | 'redis', redis: Redis, keyPrefix: string): Clock {
  return source === 'redis' ? redisClock(redis, clockKey(keyPrefix)) : systemClock;
}
