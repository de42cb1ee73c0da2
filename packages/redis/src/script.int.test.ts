import { startOwnRedis, type OwnRedis } from '@gridgov/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareAndDelete } from './compare-and-delete.ts';
import { setWhileEquals } from './set-while-equals.ts';
import { createRedis, redisReady } from './index.ts';
import { CheckpointConflict } from './script-errors.ts';
import { defineScript, integerReply, okReply } from './script.ts';

// Appends its arguments to a list; refuses with a code of ours when the list is longer than allowed.
const appendUpTo = defineScript({
  name: 'intAppendUpTo',
  keys: ['listKey'],
  argv: ['max'],
  lua: `
local listKey = KEYS[1]
local max = tonumber(ARGV[1])
if redis.call('LLEN', listKey) + #ARGV - 1 > max then return redis.error_reply('GRIDGOV_CHECKPOINT_CONFLICT list full') end
for i = 2, #ARGV do redis.call('RPUSH', listKey, ARGV[i]) end
return 'OK'
`,
  reply: okReply,
});

// Sums HLEN over every key it is given, named or not.
const hashLengths = defineScript({
  name: 'intHashLengths',
  keys: ['firstKey'],
  argv: [],
  moreKeys: true,
  lua: `
local firstKey = KEYS[1]
local n = redis.call('HLEN', firstKey)
for k = 2, #KEYS do n = n + redis.call('HLEN', KEYS[k]) end
return n
`,
  reply: integerReply,
});

/** How often Redis ran EVAL and EVALSHA (INFO commandstats), so a test sees which one ioredis sent. */
async function scriptCalls(redis: Redis): Promise<{ eval: number; evalsha: number }> {
  const info = await redis.info('commandstats');
  const calls = (command: string) => Number(new RegExp(`^cmdstat_${command}:calls=(\\d+)`, 'm').exec(info)?.[1] ?? 0);
  return { eval: calls('eval'), evalsha: calls('evalsha') };
}

describe('named scripts on a Redis of their own', () => {
  let server: OwnRedis;
  let admin: Redis;
  const clients: Redis[] = [];
  beforeAll(async () => {
    server = await startOwnRedis();
    admin = new Redis(server.url);
    await redisReady(admin);
  });
  afterAll(async () => {
    clients.forEach((c) => c.disconnect());
    admin.disconnect();
    await server.remove();
  });

  // A service's connection (auto-pipelined, no offline queue) and a plain one: scripts behave the same on both.
  const connections = {
    service: () => createRedis(server.url, 'script-int-test'),
    plain: () => new Redis(server.url),
  };

  for (const [kind, connect] of Object.entries(connections)) {
    it(`runs by EVALSHA once loaded, and again after SCRIPT FLUSH (NOSCRIPT → EVAL): ${kind} connection`, async () => {
      const redis = connect();
      clients.push(redis);
      await redisReady(redis);
      const listKey = `${kind}:list`;
      const before = await scriptCalls(admin);
      await appendUpTo.run(redis, { listKey }, { max: 10 }, { argv: ['a'] });
      await appendUpTo.run(redis, { listKey }, { max: 10 }, { argv: ['b', 'c'] });
      const loaded = await scriptCalls(admin);
      // ioredis sends the source once per connection, then the hash.
      expect(loaded.eval - before.eval).toBe(1);
      expect(loaded.evalsha - before.evalsha).toBe(1);

      await admin.script('FLUSH');
      await appendUpTo.run(redis, { listKey }, { max: 10 }, { argv: ['d'] });
      const flushed = await scriptCalls(admin);
      expect(flushed.evalsha - loaded.evalsha).toBe(1); // refused: NOSCRIPT
      expect(flushed.eval - loaded.eval).toBe(1); // sent again with its source
      expect(await redis.lrange(listKey, 0, -1)).toEqual(['a', 'b', 'c', 'd']);
    });
  }

  it("runs in the same auto-pipeline as the commands sent beside it, on a service's connection", async () => {
    const redis = connections.service();
    clients.push(redis);
    await redisReady(redis);
    // One tick: the SET opens the pipeline, the script joins it (ioredis copies a client's scripts into a new pipeline).
    const [set, appended, read] = await Promise.all([
      redis.set('same-tick', 'v'),
      appendUpTo.run(redis, { listKey: 'same-tick-list' }, { max: 5 }, { argv: ['a'] }),
      redis.lrange('same-tick-list', 0, -1),
    ]);
    expect([set, appended, read]).toEqual(['OK', undefined, ['a']]);
  });

  it('refuses, before sending anything, a script defined after an auto-pipelined client was created', async () => {
    const redis = connections.service();
    clients.push(redis);
    await redisReady(redis);
    const late = defineScript({ name: 'intDefinedLate', keys: [], argv: [], lua: 'return 1', reply: integerReply });
    const pending = redis.get('late');
    await expect(late.run(redis, {}, {})).rejects.toThrow(/intDefinedLate is not registered on this auto-pipelined client/);
    expect(await pending).toBeNull();
    // A plain connection registers it at its first call.
    const plain = connections.plain();
    clients.push(plain);
    expect(await late.run(plain, {}, {})).toBe(1);
  });

  it("answers a code of ours as its typed error, and Redis's own errors as they are", async () => {
    const redis = connections.service();
    clients.push(redis);
    await redisReady(redis);
    await appendUpTo.run(redis, { listKey: 'full' }, { max: 1 }, { argv: ['x'] });
    const refused = appendUpTo.run(redis, { listKey: 'full' }, { max: 1 }, { argv: ['y'] });
    await expect(refused).rejects.toBeInstanceOf(CheckpointConflict);
    await expect(refused).rejects.toMatchObject({
      code: 'CHECKPOINT_CONFLICT',
      reply: 'GRIDGOV_CHECKPOINT_CONFLICT',
      script: 'intAppendUpTo',
      message: 'intAppendUpTo on full: list full (GRIDGOV_CHECKPOINT_CONFLICT)',
    });
    await redis.set('a-string', 'v');
    const wrongType = appendUpTo.run(redis, { listKey: 'a-string' }, { max: 5 }, { argv: ['z'] });
    await expect(wrongType).rejects.toThrow(/WRONGTYPE/);
    await expect(wrongType).rejects.not.toBeInstanceOf(CheckpointConflict);
  });

  it('passes further keys after the named ones, with their count', async () => {
    const redis = connections.plain();
    clients.push(redis);
    await redis.hset('h1', 'a', '1', 'b', '2');
    await redis.hset('h2', 'c', '3');
    expect(await hashLengths.run(redis, { firstKey: 'h1' }, {}, { keys: ['h2', 'h3'] })).toBe(3);
    await expect(appendUpTo.run(redis, { listKey: 'l' }, { max: 5 }, { keys: ['other'] })).rejects.toThrow(
      'script intAppendUpTo takes only its named keys',
    );
  });

  it('compareAndDelete deletes a key only while it holds the expected value', async () => {
    const redis = connections.plain();
    clients.push(redis);
    await redis.set('claim', 'mine');
    expect(await compareAndDelete.run(redis, { key: 'claim' }, { expected: 'theirs' })).toBe(0);
    expect(await redis.get('claim')).toBe('mine');
    expect(await compareAndDelete.run(redis, { key: 'claim' }, { expected: 'mine' })).toBe(1);
    expect(await redis.exists('claim')).toBe(0);
    expect(await compareAndDelete.run(redis, { key: 'claim' }, { expected: 'mine' })).toBe(0);
  });

  it('setWhileEquals sets a key only while its guard holds what was read there', async () => {
    const redis = connections.plain();
    clients.push(redis);
    // No guard key reads as ''.
    expect(await setWhileEquals.run(redis, { guard: '{p}:checkpoint', key: '{p}:whole' }, { expected: '12', value: 'at' })).toBe(0);
    expect(await redis.exists('{p}:whole')).toBe(0);
    expect(await setWhileEquals.run(redis, { guard: '{p}:checkpoint', key: '{p}:whole' }, { expected: '', value: 'at' })).toBe(1);
    expect(await redis.get('{p}:whole')).toBe('at');
    await redis.set('{p}:checkpoint', '12');
    expect(await setWhileEquals.run(redis, { guard: '{p}:checkpoint', key: '{p}:whole' }, { expected: '11', value: 'later' })).toBe(0);
    expect(await redis.get('{p}:whole')).toBe('at');
    expect(await setWhileEquals.run(redis, { guard: '{p}:checkpoint', key: '{p}:whole' }, { expected: '12', value: 'later' })).toBe(1);
    expect(await redis.get('{p}:whole')).toBe('later');
  });
});
