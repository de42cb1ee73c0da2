import { randomUUID } from 'node:crypto';
import { DurableProducer } from '@gridgov/kafka';
import { createTestInfra, readTopic, type TestInfra } from '@gridgov/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { caseKeyRedisKey, CaseKeyRecord, CaseKeys } from './case-keys.ts';
import { KekFile, LocalKms } from './kms.ts';

describe('CaseKeys on grid.keys and Redis', () => {
  let infra: TestInfra;
  let producer: DurableProducer;
  const first = LocalKms.newFileContents('kek-1');
  const second = LocalKms.newFileContents('kek-2');
  const before = new LocalKms(KekFile.parse(first));
  const rotated = new LocalKms(KekFile.parse({ current: 'kek-2', keys: { ...first.keys, ...second.keys } }));
  const keysWith = (kms: LocalKms) =>
    new CaseKeys({
      redis: infra.redis,
      keyPrefix: infra.keyPrefix,
      kms,
      topic: infra.topics.keys,
      producer,
      kafka: infra.kafka,
      logger: infra.logger,
    });
  const lastRecordOf = async (id: string) => (await readTopic(infra.kafka, infra.topics.keys)).filter((r) => r.key === id).at(-1)?.value;

  beforeEach(async () => {
    infra = await createTestInfra();
    producer = new DurableProducer(infra.kafka);
    await producer.connect();
  });

  afterEach(async () => {
    await producer.disconnect();
    await infra.cleanup();
  });

  it('keeps a key on grid.keys and in the cache, brings the cache back from the topic, and shreds it everywhere', async () => {
    const keys = keysWith(before);
    const [a, b] = [randomUUID(), randomUUID()];
    const [keyA, keyB] = [keys.create(), keys.create()];
    await keys.put(
      new Map([
        [a, keyA],
        [b, keyB],
      ]),
      new Date(),
    );
    expect(await keys.get([a, b, randomUUID()])).toEqual(
      new Map([
        [a, keyA],
        [b, keyB],
      ]),
    );
    // Wrapped, never the key itself, on the topic and in Redis.
    const record = CaseKeyRecord.parse(JSON.parse((await lastRecordOf(a))!));
    expect(record).toMatchObject({ incidentId: a, kid: 'kek-1' });
    expect(JSON.stringify(record)).not.toContain(keyA.toString('base64url'));

    await keys.shred([a]);
    expect(await lastRecordOf(a)).toBeNull();
    expect(await infra.redis.exists(caseKeyRedisKey(infra.keyPrefix, a))).toBe(0);

    // Redis loses the cache: the topic gives back b, and not a.
    await infra.redis.del(caseKeyRedisKey(infra.keyPrefix, b));
    expect(await keys.restore([0, 1, 2], `${infra.topicPrefix}keys-restore`)).toEqual({ keys: 1, erased: 1 });
    expect(await keys.get([a, b])).toEqual(new Map([[b, keyB]]));
  });

  it('after a rotation, still opens keys the old KEK wrapped, and re-wraps each with the new one when it is used', async () => {
    const id = randomUUID();
    const key = keysWith(before).create();
    await keysWith(before).put(new Map([[id, key]]), new Date());
    // The intake only reads: it opens the old wrapping and changes nothing.
    const reader = new CaseKeys({ redis: infra.redis, keyPrefix: infra.keyPrefix, kms: rotated });
    expect((await reader.get([id])).get(id)).toEqual(key);
    expect(CaseKeyRecord.parse(JSON.parse((await infra.redis.get(caseKeyRedisKey(infra.keyPrefix, id)))!)).kid).toBe('kek-1');
    // The worker re-wraps on the way: topic and cache now hold the key under kek-2, and a KMS without kek-1 opens it.
    expect((await keysWith(rotated).get([id])).get(id)).toEqual(key);
    expect(CaseKeyRecord.parse(JSON.parse((await lastRecordOf(id))!)).kid).toBe('kek-2');
    const onlyNew = new LocalKms(KekFile.parse(second));
    expect((await new CaseKeys({ redis: infra.redis, keyPrefix: infra.keyPrefix, kms: onlyNew }).get([id])).get(id)).toEqual(key);
  });
});
