import { Redis } from 'ioredis';

export { Redis };
export * from './clock.ts';

/** One connection per service; commands queue while it reconnects, so a Redis restart is ridden out. */
export function createRedis(url: string, name: string): Redis {
  return new Redis(url, { connectionName: name, maxRetriesPerRequest: 20, enableAutoPipelining: true, lazyConnect: false });
}

/** Waits until Redis answers PING, or throws after `timeoutMs`. */
export async function redisReady(redis: Redis, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await redis.ping()) === 'PONG') return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
export * from './rate-limit.ts';
