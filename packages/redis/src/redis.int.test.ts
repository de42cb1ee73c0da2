import { eventually, startOwnRedis, type OwnRedis } from '@gridgov/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { isStoreUnavailable } from './availability.ts';
import { assertNoEviction, EvictionPolicyError, maxmemoryPolicy, redisProbe } from './eviction.ts';
import { createRedis, REDIS_COMMAND_TIMEOUT_MS, RedisNoAnswerError, redisReady, type Redis } from './index.ts';

/** A script that keeps Redis busy for `ms` (it answers 1 then). */
function spin(client: Redis, ms: number): Promise<unknown> {
  const script = `local t = redis.call('TIME'); local start = t[1] * 1000000 + t[2]
    repeat local n = redis.call('TIME') until n[1] * 1000000 + n[2] - start >= tonumber(ARGV[1])
    return 1`;
  return client.eval(script, 0, String(ms * 1000));
}

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

  it('fails every command waiting on a hung server once it has answered nothing for the deadline, and works again once it answers', async () => {
    const { server, client } = await ownRedis();
    await client.set('k', 'v');
    process.kill(server.pid!, 'SIGSTOP');
    try {
      const waiting = await Promise.all([client.get('k'), client.incr('n'), client.ping()].map((c) => rejection(c)));
      for (const err of waiting) {
        expect(err).toBeInstanceOf(RedisNoAnswerError);
        expect(err.message).toContain(`answered nothing for ${REDIS_COMMAND_TIMEOUT_MS} ms`);
        expect(isStoreUnavailable(err)).toBe(true);
      }
    } finally {
      process.kill(server.pid!, 'SIGCONT');
    }
    // The connection was closed and opened again: the late answers are not taken for later commands' answers. (Redis
    // may still have run what it had read before it stopped: a failed command may have been done.)
    await redisReady(client);
    expect(await Promise.all([client.echo('after'), client.get('k')])).toEqual(['after', 'v']);
  });

  it('fails nothing while Redis answers, however long a command waits behind the answers coming', async () => {
    const { client } = await ownRedis();
    // Thirty BLPOPs of 100 ms on an empty list, sent together: Redis runs them one after another and writes each one's
    // answer when it times out, before it reads the next, so an answer comes every 100-200 ms while the last command
    // waits 3 s or more, twice the deadline. (Not busy scripts sent one after another: Redis runs every command that
    // has reached it before it writes any answer, so the silences grow with the queue and reach the deadline.)
    const sent = performance.now();
    const answers = Array.from({ length: 30 }, () => client.blpop('an-empty-list', 0.1));
    expect(await Promise.all(answers)).toEqual(Array.from({ length: 30 }, () => null));
    expect(performance.now() - sent).toBeGreaterThan(2 * REDIS_COMMAND_TIMEOUT_MS);
  });

  it('does not take answers that came while the event loop was busy for silence', async () => {
    const { client } = await ownRedis();
    const answer = spin(client, 800);
    // Long enough for the watch to have seen the script waiting, short of its answer.
    await new Promise((r) => setTimeout(r, 400));
    // The thread blocked past the deadline (a long synchronous task); the answer reaches the socket meanwhile. Blocked
    // from a setImmediate callback, so that timers run next, before the socket is read (as after a long task in an
    // I/O callback).
    await new Promise<void>((done) =>
      setImmediate(() => {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, REDIS_COMMAND_TIMEOUT_MS + 500);
        done();
      }),
    );
    await expect(answer).resolves.toBe(1);
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
