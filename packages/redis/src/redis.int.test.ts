import { eventually, startOwnRedis, type OwnRedis } from '@gridgov/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { isStoreUnavailable } from './availability.ts';
import { assertNoEviction, EvictionPolicyError, maxmemoryPolicy, redisProbe } from './eviction.ts';
import { createRedis, redisReady, type Redis } from './index.ts';

const servers: OwnRedis[] = [];
const clients: Redis[] = [];

async function ownRedis(args: string[] = []) {
  const server = await startOwnRedis(args);
  servers.push(server);
  const client = createRedis(server.url, 'redis-int-test');
  clients.push(client);
  await redisReady(client);
  return { server, client };
}

afterEach(async () => {
  clients.splice(0).forEach((c) => c.disconnect());
  await Promise.all(servers.splice(0).map((s) => s.remove()));
});

/** The error a promise rejects with (fails the test if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

describe('a Redis that may evict keys is refused', () => {
  it('accepts the Redis of infra/redis/redis.conf (noeviction)', async () => {
    const { client } = await ownRedis();
    expect(await maxmemoryPolicy(client)).toBe('noeviction');
    await expect(assertNoEviction(client)).resolves.toBeUndefined();
  });

  it('refuses one with allkeys-lru, naming the policy and what to set', async () => {
    const { client } = await ownRedis(['--maxmemory-policy', 'allkeys-lru']);
    const err = await rejection(assertNoEviction(client));
    expect(err).toBeInstanceOf(EvictionPolicyError);
    expect(err.message).toMatch(/^Redis has maxmemory-policy allkeys-lru: it may evict keys/);
    expect(err.message).toContain('Set maxmemory-policy noeviction');
  });

  it('reads the policy from INFO memory where CONFIG is disabled (managed Redis)', async () => {
    const evicting = await ownRedis(['--maxmemory-policy', 'volatile-ttl', '--rename-command', 'CONFIG', '']);
    await expect(evicting.client.config('GET', 'maxmemory-policy')).rejects.toThrow(/unknown command/i);
    expect(await maxmemoryPolicy(evicting.client)).toBe('volatile-ttl');
    await expect(assertNoEviction(evicting.client)).rejects.toBeInstanceOf(EvictionPolicyError);

    const safe = await ownRedis(['--rename-command', 'CONFIG', '']);
    await expect(assertNoEviction(safe.client)).resolves.toBeUndefined();
  });
});

/** A number of INFO persistence. */
async function persistence(client: Redis, field: string): Promise<number> {
  const value = new RegExp(`^${field}:(\\d+)`, 'm').exec(await client.info('persistence'))?.[1];
  if (value === undefined) throw new Error(`INFO persistence has no ${field}`);
  return Number(value);
}

describe('the append-only file of infra/redis/redis.conf', () => {
  it('is not rewritten while it is small: 80 MB written, past the 64 MB at which Redis would by default', async () => {
    const { client } = await ownRedis();
    const value = 'x'.repeat(64 * 1024);
    for (let chunk = 0; chunk < 16; chunk++) {
      const pipeline = client.pipeline();
      for (let i = 0; i < 80; i++) pipeline.set(`aof-${chunk}-${i}`, value);
      await pipeline.exec();
    }
    // With appendfsync everysec Redis answers before it writes the file, and holds the write back while a slow fsync
    // runs (up to 2 s): the file has every write once its buffer is empty.
    await eventually(
      () => persistence(client, 'aof_buffer_length'),
      (pending) => pending === 0,
    );
    expect(await persistence(client, 'aof_current_size')).toBeGreaterThan(80 * 1024 * 1024);
    // Redis decides a rewrite in its cron (ten times a second): a few rounds of it.
    await new Promise((r) => setTimeout(r, 500));
    const rewrites = {
      done: await persistence(client, 'aof_rewrites'),
      running: await persistence(client, 'aof_rewrite_in_progress'),
      scheduled: await persistence(client, 'aof_rewrite_scheduled'),
    };
    expect(rewrites).toEqual({ done: 0, running: 0, scheduled: 0 });
  });
});

describe('the readiness probe of Redis', () => {
  it('fails once the Redis would evict (its policy changed while the service runs) or is away', async () => {
    const { server, client } = await ownRedis();
    const probe = redisProbe(client);
    await expect(probe()).resolves.toBeUndefined();
    await client.config('SET', 'maxmemory-policy', 'allkeys-lfu');
    await expect(probe()).rejects.toBeInstanceOf(EvictionPolicyError);
    await client.config('SET', 'maxmemory-policy', 'noeviction');
    await expect(probe()).resolves.toBeUndefined();
    await server.kill();
    expect(isStoreUnavailable(await rejection(probe()))).toBe(true);
  });
});

describe("a service's connection while Redis is away", () => {
  it('fails a command at once with an error that says the store is unavailable, and works again once Redis is back', async () => {
    const { server, client } = await ownRedis();
    await client.set('k', 'v');
    await server.kill();
    const err = await rejection(client.get('k'));
    expect(isStoreUnavailable(err)).toBe(true);

    // Back on the same data directory: the append-only file had the write.
    await server.restart();
    await redisReady(client);
    expect(await client.get('k')).toBe('v');
  });

  it('fails a command that gets no answer (a hung server) after the command timeout', async () => {
    const { server, client } = await ownRedis();
    process.kill(server.pid!, 'SIGSTOP');
    try {
      const err = await rejection(client.get('k'));
      expect(err.message).toBe('Command timed out');
      expect(isStoreUnavailable(err)).toBe(true);
    } finally {
      process.kill(server.pid!, 'SIGCONT');
    }
  });

  it('does not take a wrong command for an unavailable store', async () => {
    const { client } = await ownRedis();
    await client.set('a-string', 'v');
    const err = await rejection(client.hget('a-string', 'f'));
    expect(err.message).toMatch(/^WRONGTYPE/);
    expect(isStoreUnavailable(err)).toBe(false);
    expect(isStoreUnavailable(new Error('something else'))).toBe(false);
  });
});
