import type { Redis } from 'ioredis';

/** The policy a Redis holding this pipeline's state must have: anything else may drop a key to make room. */
export const REQUIRED_MAXMEMORY_POLICY = 'noeviction';

export class EvictionPolicyError extends Error {
  readonly code = 'REDIS_MAY_EVICT';
  constructor(readonly policy: string) {
    super(
      `Redis has maxmemory-policy ${policy}: it may evict keys when memory is full, and an evicted key is data lost ` +
        `without a word. Set maxmemory-policy ${REQUIRED_MAXMEMORY_POLICY} (redis.conf, CONFIG SET, or your provider's ` +
        `parameter group) and start again; see docs/operations.md.`,
    );
  }
}

/**
 * The Redis's maxmemory-policy: from CONFIG GET, or, where CONFIG is disabled (managed Redis), from INFO memory.
 */
export async function maxmemoryPolicy(redis: Redis): Promise<string> {
  try {
    const reply = (await redis.config('GET', 'maxmemory-policy')) as string[];
    const policy = reply[1];
    if (typeof policy === 'string' && policy !== '') return policy;
  } catch (err) {
    // CONFIG renamed or denied (managed Redis, ACLs): INFO says it too. Anything else is a real failure.
    if (!(err instanceof Error && err.name === 'ReplyError')) throw err;
  }
  const info = await redis.info('memory');
  const line = info.split(/\r?\n/).find((l) => l.startsWith('maxmemory_policy:'));
  if (!line) throw new Error('Redis says nothing of its maxmemory policy (neither CONFIG GET nor INFO memory)');
  return line.slice('maxmemory_policy:'.length).trim();
}

/** Throws EvictionPolicyError unless the Redis never evicts keys. */
export async function assertNoEviction(redis: Redis): Promise<void> {
  const policy = await maxmemoryPolicy(redis);
  if (policy !== REQUIRED_MAXMEMORY_POLICY) throw new EvictionPolicyError(policy);
}

/**
 * A readiness probe of Redis: it answers, and still never evicts (a Redis restarted with another configuration is
 * not one to write to). Two round trips; readiness probes are cached by their caller.
 */
export function redisProbe(redis: Redis): () => Promise<void> {
  return async () => {
    await redis.ping();
    await assertNoEviction(redis);
  };
}
