import { randomBytes } from 'node:crypto';
// kafkajs is CommonJS: Node's named exports of it are those its module lexer finds, which leave out the errors.
import kafkajs from 'kafkajs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { deleteTopics, ensureTopics, KafkaAdmin, topicWatermarks, withAdmin } from './admin.ts';
import { createKafka, type KafkaClient } from './client.ts';
import { runBatchConsumer, type PartitionBatch, type RunningConsumer } from './consumer.ts';
import { DurableProducer } from './producer.ts';
import { partitionOf as placeOf } from './partition.ts';
import { readRange, readTopic, type ReadRecord } from './reader.ts';

const { KafkaJSError } = kafkajs;

declare module 'vitest' {
  export interface ProvidedContext {
    /** The broker and Redis of the integration tests (packages/testing's global set-up provides them). */
    infra: {
      readonly kafkaBrokers: string;
      readonly redisUrl: string;
      readonly kafkaSasl?: { readonly username: string; readonly password: string } | undefined;
    };
  }
}

const logger = pino({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' });
const partitions = 3;

describe('packages/kafka on the real broker', () => {
  const id = `k${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const topic = `${id}.records`;
  let kafka: KafkaClient;
  /** What the topic holds: per partition, the values in offset order. */
  const written = new Map<number, string[]>();

  beforeAll(async () => {
    kafka = createKafka({ brokers: inject('infra').kafkaBrokers.split(','), clientId: id, sasl: inject('infra').kafkaSasl, logger });
    await ensureTopics(kafka, [{ name: topic, partitions }]);
    const producer = new DurableProducer(kafka);
    await producer.connect();
    const delivered = await producer.send(
      topic,
      Array.from({ length: 60 }, (_, i) => ({ key: `incident-${i % 12}`, value: `v${i}` })),
    );
    await producer.disconnect();
    // The broker's answer names each partition's first offset; values follow the send order within a partition. It
    // failed in CI twice (2026-12-03, -05: ['0@30', '1@0', '2@5']): one partition not yet served right after the
    // topic was created, the whole send retried, the others' records written twice. createTopics now waits for that.
    expect(delivered.map((d) => `${d.partition}@${d.offset}`).sort()).toEqual(['0@0', '1@0', '2@0']);
    const all = await readTopic(kafka, topic);
    for (const r of all) written.set(r.partition, [...(written.get(r.partition) ?? []), r.value!]);
  });

  afterAll(async () => {
    await deleteTopics(kafka, [topic]);
  });

  it('knows where the producer puts each key (partitionOf), as a consumer checks a record stands there', async () => {
    const all = await readTopic(kafka, topic);
    expect(all.map((r) => r.partition)).toEqual(all.map((r) => placeOf(r.key!, partitions)));
    expect(() => placeOf('k', 0)).toThrow(RangeError);
  });

  it('reads a whole topic from the beginning, every record once, each partition in offset order', async () => {
    const all = await readTopic(kafka, topic);
    expect(all).toHaveLength(60);
    expect(new Set(all.map((r) => r.value)).size).toBe(60);
    // One key, one partition: records of an incident stay together.
    const partitionOf = new Map<string, Set<number>>();
    for (const r of all) partitionOf.set(r.key!, (partitionOf.get(r.key!) ?? new Set()).add(r.partition));
    expect([...partitionOf.values()].every((p) => p.size === 1)).toBe(true);
    for (let p = 0; p < partitions; p++) {
      const offsets = all.filter((r) => r.partition === p).map((r) => Number(r.offset));
      expect(offsets).toEqual(offsets.map((_, i) => i));
    }
  });

  it('tells each partition its watermarks: the first offset kept and the next one written', async () => {
    const marks = await topicWatermarks(kafka, topic);
    expect(marks).toEqual([0, 1, 2].map((p) => ({ partition: p, low: 0n, high: BigInt(written.get(p)?.length ?? 0) })));
  });

  it('tells the watermarks of topics asked for the moment they are created, before their leader serves them', async () => {
    // The metadata names a leader before that broker serves the partition, and it answers "not the leader" to
    // ListOffsets for a moment (two of three topics on this broker, before patches/kafkajs retried that). A restore
    // that reads a topic created a moment ago must wait for its answer, not fail.
    const names = Array.from({ length: 8 }, (_, i) => `${id}.fresh-${i}`);
    await withAdmin(kafka, async (admin) => {
      try {
        for (const name of names) {
          await admin.createTopics([{ name, partitions }]);
          expect(await admin.watermarks(name)).toEqual([0, 1, 2].map((p) => ({ partition: p, low: 0n, high: 0n })));
        }
      } finally {
        await admin.deleteTopics(names);
      }
    });
  });

  it('returns a created topic only once every partition takes records: a send at once writes each record once', async () => {
    // Before createTopics waited for a serving leader, 4 sends of 60 here wrote a partition's records twice (the
    // whole produce request retried after one partition answered "not the leader"), with 20 topics about 3 runs in 4.
    const names = Array.from({ length: 20 }, (_, i) => `${id}.at-once-${i}`);
    const producer = new DurableProducer(kafka);
    await producer.connect();
    try {
      await withAdmin(kafka, async (admin) => {
        for (const name of names) {
          await admin.createTopics([{ name, partitions }]);
          const delivered = await producer.send(
            name,
            Array.from({ length: 24 }, (_, i) => ({ key: `incident-${i % 12}`, value: `v${i}` })),
          );
          expect([name, delivered.map((d) => `${d.partition}@${d.offset}`).sort()]).toEqual([name, ['0@0', '1@0', '2@0']]);
        }
      });
    } finally {
      await producer.disconnect();
      await deleteTopics(kafka, names);
    }
  });

  it('reads chosen partitions from chosen offsets up to the high watermark, and nothing of the others', async () => {
    const read: ReadRecord[] = [];
    const ends = await readRange(kafka, {
      topic,
      from: new Map([
        [0, 2n],
        [1, 0n],
      ]),
      onBatch: (partition, records) => {
        for (const r of records)
          read.push({ partition, offset: r.offset, key: r.key, value: r.value!.toString(), headers: {}, timestamp: r.timestamp });
      },
    });
    expect(ends).toEqual(
      new Map([
        [0, BigInt(written.get(0)!.length)],
        [1, BigInt(written.get(1)!.length)],
      ]),
    );
    expect(read.filter((r) => r.partition === 0).map((r) => r.value)).toEqual(written.get(0)!.slice(2));
    expect(read.filter((r) => r.partition === 1).map((r) => r.value)).toEqual(written.get(1));
    expect(read.some((r) => r.partition === 2)).toBe(false);
  });

  it('stops a range read with the error of its handler', async () => {
    const read = readRange(kafka, {
      topic,
      from: new Map([[1, 0n]]),
      onBatch: () => Promise.reject(new Error('the store refused the batch')),
    });
    await expect(read).rejects.toThrow('the store refused the batch');
  });

  it('reads nothing from a partition asked from its high watermark on', async () => {
    let batches = 0;
    const high = BigInt(written.get(2)!.length);
    const ends = await readRange(kafka, { topic, from: new Map([[2, high]]), onBatch: () => void batches++ });
    expect(ends).toEqual(new Map([[2, high]]));
    expect(batches).toBe(0);
  });

  it('moves a consumer to a sought offset when its partitions are assigned, and commits what its handler has done', async () => {
    const groupId = `${id}-group`;
    const firsts = new Map<number, string>();
    let done: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (done = resolve));
    // Partition 0 from offset 3 on; the others from the beginning.
    const remaining = new Map([...written].map(([p, values]) => [p, p === 0 ? values.length - 3 : values.length]));
    let resolveRunning: (running: RunningConsumer) => void = () => undefined;
    const running = new Promise<RunningConsumer>((resolve) => (resolveRunning = resolve));
    const consumer = await runBatchConsumer({
      kafka,
      groupId,
      topics: [topic],
      logger,
      partitionsConcurrently: partitions,
      // As the projection positions itself: batches wait for this, and one fetched before the seek is dropped.
      onAssigned: async (assignment) => {
        if (assignment.get(topic)?.includes(0)) (await running).seek({ topic, partition: 0, offset: 3n });
      },
      onBatch: (batch: PartitionBatch) => {
        if (!firsts.has(batch.partition)) firsts.set(batch.partition, batch.records[0]!.offset);
        remaining.set(batch.partition, remaining.get(batch.partition)! - batch.records.length);
        if ([...remaining.values()].every((n) => n <= 0)) done();
        return Promise.resolve();
      },
    });
    resolveRunning(consumer);
    await finished;
    // Each batch is committed once its handler has resolved: the last one just after.
    const ends = new Map([0, 1, 2].map((p) => [p, BigInt(written.get(p)!.length)]));
    const committed = async () => withAdmin(kafka, (admin) => admin.committedOffsets(groupId, topic));
    for (let tries = 0; tries < 100 && ![...(await committed())].every(([p, o]) => o === ends.get(p)); tries++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    await consumer.stop();
    // A seek while the consumer is not running (stopped, or while kafkajs restarts it after a crash) is dropped: a
    // timer that seeks (the projection's restore watch) must not take the process down with it.
    expect(() => consumer.seek({ topic, partition: 1, offset: 0n })).not.toThrow();
    expect(firsts).toEqual(
      new Map([
        [0, '3'],
        [1, '0'],
        [2, '0'],
      ]),
    );
    expect([...remaining.values()]).toEqual([0, 0, 0]);
    expect(await committed()).toEqual(ends);
    expect(await withAdmin(kafka, (admin) => admin.committedOffsets(`${id}-never-joined`, topic))).toEqual(
      new Map([0, 1, 2].map((p) => [p, null])),
    );
  });

  it('with commitEveryMs, commits the newest offset at most that often: after a batch, by a timer when none comes, on stop', async () => {
    const own = `${id}.commit-every`;
    await ensureTopics(kafka, [{ name: own, partitions: 1 }]);
    const producer = new DurableProducer(kafka);
    await producer.connect();
    const groupId = `${id}-commit-every`;
    /** The offset after the last record handled. */
    let handled = 0n;
    const consumer = await runBatchConsumer({
      kafka,
      groupId,
      topics: [own],
      logger,
      commitEveryMs: 8_000,
      onBatch: (batch: PartitionBatch) => {
        handled = BigInt(batch.records[batch.records.length - 1]!.offset) + 1n;
        return Promise.resolve();
      },
    });
    const committed = async () => (await withAdmin(kafka, (admin) => admin.committedOffsets(groupId, own))).get(0);
    const until = async (done: () => boolean | Promise<boolean>, what: string, ms = 15_000) => {
      for (const end = Date.now() + ms; !(await done()); await new Promise((r) => setTimeout(r, 50))) {
        if (Date.now() > end) throw new Error(`not within ${ms} ms: ${what}`);
      }
    };
    const handle = async (value: string, next: bigint) => {
      await producer.send(own, [{ key: 'k', value }]);
      await until(() => handled === next, `record ${value} handled`);
    };
    try {
      // The first batch is committed at once (nothing was for longer than commitEveryMs).
      await handle('a', 1n);
      await until(async () => (await committed()) === 1n, 'offset 1 committed');
      // The next ones, within 8 s of that commit: handled, their offsets waiting.
      await handle('b', 2n);
      await handle('c', 3n);
      expect(await committed()).toBe(1n);
      // No batch comes: the timer commits the newest.
      await until(async () => (await committed()) === 3n, 'offset 3 committed by the timer');
      await handle('d', 4n);
      expect(await committed()).toBe(3n);
    } finally {
      await consumer.stop();
    }
    try {
      // What waited is committed on stop.
      expect(await committed()).toBe(4n);
    } finally {
      await producer.disconnect();
      await deleteTopics(kafka, [own]);
    }
  });

  /**
   * The group's committed offsets once they reach `ends` (or a crash, or 15 s), the consumer stopped; then again
   * whenever called.
   */
  const committedUntilEnds = async (
    groupId: string,
    ends: ReadonlyMap<number, bigint>,
    crashes: readonly Error[],
    consumer: RunningConsumer,
  ) => {
    const committed = async () => withAdmin(kafka, (admin) => admin.committedOffsets(groupId, topic));
    try {
      for (let tries = 0; tries < 150 && crashes.length === 0 && ![...(await committed())].every(([p, o]) => o === ends.get(p)); tries++) {
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await consumer.stop();
    }
    return committed;
  };

  it('joins the group again when it went on without a member silent past its session, and goes on', async () => {
    const groupId = `${id}-silent`;
    const ends = new Map([0, 1, 2].map((p) => [p, BigInt(written.get(p)!.length)]));
    const crashes: Error[] = [];
    const handled: string[] = [];
    let slept = false;
    const consumer = await runBatchConsumer({
      kafka,
      groupId,
      topics: [topic],
      logger,
      sessionTimeoutMs: 6_000,
      onCrash: (err) => crashes.push(err),
      onBatch: async (batch) => {
        // The first batch takes longer than the session (a starved CPU, a long write): the group evicts this member,
        // and its commit is refused (UNKNOWN_MEMBER_ID or ILLEGAL_GENERATION).
        if (!slept) {
          slept = true;
          await new Promise((r) => setTimeout(r, 9_000));
        }
        for (const r of batch.records) handled.push(`${batch.partition}/${r.offset}`);
      },
    });
    const committed = await committedUntilEnds(groupId, ends, crashes, consumer);
    expect(crashes).toEqual([]);
    expect(await committed()).toEqual(ends);
    // Every record handled at least once: the refused batch again after the join (it is done; its offset was not saved).
    const all = [...written].flatMap(([p, values]) => values.map((_, o) => `${p}/${o}`));
    expect(new Set(handled)).toEqual(new Set(all));
  }, 60_000);

  it('takes its assignment again when it could not be taken, whatever the error said of itself, and goes on', async () => {
    const groupId = `${id}-untaken`;
    const ends = new Map([0, 1, 2].map((p) => [p, BigInt(written.get(p)!.length)]));
    const crashes: Error[] = [];
    let taken = 0;
    const handled = new Set<string>();
    const consumer = await runBatchConsumer({
      kafka,
      groupId,
      topics: [topic],
      logger,
      onCrash: (err) => crashes.push(err),
      // The first assignment cannot be taken: a restore fenced by a member that took a partition meanwhile gives up
      // with an error that calls itself non-retriable.
      onAssigned: () => {
        taken++;
        if (taken === 1) throw new KafkaJSError('workerRestoreChunk: epoch moved (GRIDGOV_EPOCH_FENCED)', { retriable: false });
      },
      onBatch: (batch) => {
        for (const r of batch.records) handled.add(`${batch.partition}/${r.offset}`);
        return Promise.resolve();
      },
    });
    const committed = await committedUntilEnds(groupId, ends, crashes, consumer);
    expect(crashes).toEqual([]);
    expect(taken).toBeGreaterThanOrEqual(2);
    expect(await committed()).toEqual(ends);
    expect(handled).toEqual(new Set([...written].flatMap(([p, values]) => values.map((_, o) => `${p}/${o}`))));
  }, 60_000);

  it.each([
    [
      'a restore fenced by another member (an error that calls itself non-retriable)',
      () => new KafkaJSError('workerFinishRestore: epoch moved (GRIDGOV_EPOCH_FENCED)', { retriable: false }),
    ],
    ['Redis too busy to answer in time (a plain error, as ioredis throws)', () => new Error('Command timed out')],
  ])(
    'takes its assignment again when it could not be taken though no record waits to be fetched: %s',
    async (_, error) => {
      // A dispatch worker that could not take the partitions it owns, with nothing new on them: no batch comes to set it
      // right, and its timers must not wait for one.
      const crashes: Error[] = [];
      const assignments: number[][] = [];
      const consumer = await runBatchConsumer({
        kafka,
        groupId: `${id}-idle-untaken-${randomBytes(3).toString('hex')}`,
        topics: [topic],
        logger,
        fromBeginning: false,
        onCrash: (err) => crashes.push(err),
        onAssigned: (assignment) => {
          assignments.push([...(assignment.get(topic) ?? [])].sort());
          if (assignments.length === 1) throw error();
        },
        onBatch: () => Promise.reject(new Error('no record was written after the consumer started')),
      });
      try {
        for (let tries = 0; tries < 200 && assignments.length < 2 && crashes.length === 0; tries++) {
          await new Promise((r) => setTimeout(r, 100));
        }
      } finally {
        await consumer.stop();
      }
      expect(crashes).toEqual([]);
      // The same assignment, taken again: all three partitions, the second time without error.
      expect(assignments.slice(0, 2)).toEqual([
        [0, 1, 2],
        [0, 1, 2],
      ]);
    },
    60_000,
  );

  it('stops taking an assignment again once it is stopped', async () => {
    let attempts = 0;
    const consumer = await runBatchConsumer({
      kafka,
      groupId: `${id}-stopped-untaken`,
      topics: [topic],
      logger,
      fromBeginning: false,
      onAssigned: () => {
        attempts++;
        throw new Error('Command timed out');
      },
      onBatch: () => Promise.resolve(),
    });
    for (let tries = 0; tries < 200 && attempts < 1; tries++) await new Promise((r) => setTimeout(r, 50));
    await consumer.stop();
    const atStop = attempts;
    // Retaken 1 s after a failure while it ran: after the stop, never.
    await new Promise((r) => setTimeout(r, 2_500));
    expect(atStop).toBeGreaterThanOrEqual(1);
    expect(attempts).toBe(atStop);
  }, 60_000);

  it('administers topics: lists, describes partitions and leaders, reads their configuration', async () => {
    const admin = new KafkaAdmin(kafka);
    await admin.connect();
    try {
      expect(await admin.listTopics()).toContain(topic);
      const [described] = await admin.topics([topic]);
      expect(described?.partitions.map((p) => p.partition)).toEqual([0, 1, 2]);
      expect(described?.partitions.every((p) => p.leader >= 0)).toBe(true);
      expect((await admin.topicConfigs([topic], ['cleanup.policy'])).get(topic)).toEqual({ 'cleanup.policy': 'delete' });
      expect((await admin.describeCluster()).brokers).toBeGreaterThan(0);
    } finally {
      await admin.disconnect();
    }
  });
});
