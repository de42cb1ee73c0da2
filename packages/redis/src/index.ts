import { Redis } from 'ioredis';
import { failWhenUnanswered } from './answer-deadline.ts';
import { registerScripts } from './script.ts';

export { Redis };
export * from './clock.ts';
export * from './availability.ts';
export * from './eviction.ts';
export { RedisNoAnswerError } from './answer-deadline.ts';

/**
 * How long a connection may go without an answer while commands wait on it before they all fail (a hung or unreachable
 * Redis, ADR 0051); also ioredis's own timeout a command on subscriber connections.
 */
export const REDIS_COMMAND_TIMEOUT_MS = 1_500;

/**
 * One connection per service. It fails fast while Redis is away: a command sent while the connection is down is
 * refused at once (no offline queue), and once Redis has answered nothing for REDIS_COMMAND_TIMEOUT_MS every command
 * waiting on the connection fails (`failWhenUnanswered`, ADR 0051), so an HTTP route answers 503 STORE_UNAVAILABLE
 * instead of hanging, and a consumer's batch fails and is retried by Kafka. The connection itself comes back on its
 * own (reconnects every 50 ms … 2 s). Subscriber connections are made with `subscriberConnection`. Every script
 * defined by then (`defineScript`, ADR 0013) is registered on it.
 */
export function createRedis(url: string, name: string, logger?: ConnectionLogger): Redis {
  const redis = new Redis(url, {
    connectionName: name,
    enableOfflineQueue: false,
    connectTimeout: 2_000,
    maxRetriesPerRequest: 1,
    enableAutoPipelining: true,
    lazyConnect: false,
  });
  // Before any command, so that every auto-pipeline has them.
  registerScripts(redis);
  failWhenUnanswered(redis, REDIS_COMMAND_TIMEOUT_MS);
  // ioredis reports every failed reconnection: said once per outage, and once when it is over.
  let down = false;
  redis.on('error', (err: Error) => {
    if (down) return;
    down = true;
    logger?.warn({ err, connection: name }, 'Redis connection lost: commands fail until it is back');
  });
  redis.on('ready', () => {
    if (!down) return;
    down = false;
    logger?.info({ connection: name }, 'Redis connection back');
  });
  return redis;
}

/**
 * A subscriber connection beside `redis`: it queues commands while (re)connecting, since it subscribes before it is
 * connected, and its few commands (SUBSCRIBE, UNSUBSCRIBE) each keep ioredis's own timeout (no answer watch: in
 * subscriber mode Redis sends messages no command waits for).
 */
export function subscriberConnection(redis: Redis, name: string): Redis {
  return redis.duplicate({ connectionName: name, enableOfflineQueue: true, commandTimeout: REDIS_COMMAND_TIMEOUT_MS });
}

/** Where a connection says that it was lost and is back (a pino logger). */
export interface ConnectionLogger {
  warn(context: object, message: string): void;
  info(context: object, message: string): void;
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
export * from './script.ts';
export * from './script-errors.ts';
export * from './compare-and-delete.ts';
export * from './set-while-equals.ts';
export * from './hash-slot.ts';
export * from './stream-slots.ts';
