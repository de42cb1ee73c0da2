/**
 * The Kafka client library alone, without the pipeline: kafkajs (through packages/kafka, the client the
 * services use) beside @platformatic/kafka (its maintained alternative, ADR 0012), each reading the same
 * topic to its end and each writing the same records to one topic, in the same run.
 */
import { randomUUID } from 'node:crypto';
import { deleteTopics, DurableProducer, ensureTopics, readRange, topicWatermarks, type OutgoingRecord } from '@gridgov/kafka';
import { compatibilityPartitioner, Consumer, MessagesStreamModes, ProduceAcks, Producer } from '@platformatic/kafka';
import type { BenchInfra } from './support.ts';

/** Records/s of one reader from its first record to the `events`-th (the group join is not counted). */
export interface ReadRate {
  readonly perSecond: number;
  readonly records: number;
}

const rate = (records: number, startedAt: number, endedAt: number): ReadRate => ({
  records,
  perSecond: records / ((endedAt - startedAt) / 1000),
});

/**
 * kafkajs reading a topic from the beginning to its end: packages/kafka's plain reader (a consumer
 * group of its own, eachBatch, nothing committed), counting records and, with `parse`, parsing each value.
 */
export async function kafkajsRead(infra: BenchInfra, topic: string, events: number, parse: boolean): Promise<ReadRate> {
  const marks = await topicWatermarks(infra.kafka, topic);
  let seen = 0;
  let startedAt = 0;
  let endedAt = 0;
  await readRange(infra.kafka, {
    topic,
    from: new Map(marks.map((m) => [m.partition, 0n])),
    timeoutMs: 120_000 + events,
    onBatch: (_partition, records) => {
      if (startedAt === 0) startedAt = performance.now();
      if (parse) for (const r of records) JSON.parse(r.value!.toString());
      seen += records.length;
      if (seen >= events && endedAt === 0) endedAt = performance.now();
    },
  });
  return rate(seen, startedAt, endedAt);
}

/**
 * @platformatic/kafka reading the same topic from the beginning: a consumer group of its own (classic
 * protocol), a stream of single messages from the earliest offsets, nothing committed, values as Buffers.
 */
export async function platformaticRead(infra: BenchInfra, topic: string, events: number, parse: boolean): Promise<ReadRate> {
  const consumer = new Consumer({
    clientId: `${infra.id}-platformatic`,
    groupId: `${infra.id}-platformatic-${randomUUID()}`,
    bootstrapBrokers: [...infra.brokers],
    ...(infra.sasl ? { sasl: { mechanism: 'SCRAM-SHA-256' as const, username: infra.sasl.username, password: infra.sasl.password } } : {}),
    maxWaitTime: 100,
    autocommit: false,
  });
  try {
    const stream = await consumer.consume({ topics: [topic], mode: MessagesStreamModes.EARLIEST, autocommit: false });
    let seen = 0;
    let startedAt = 0;
    let endedAt = 0;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`@platformatic/kafka read ${seen} of ${events} records in time`)), 120_000 + events);
      stream.on('error', reject);
      stream.on('data', (message) => {
        if (startedAt === 0) startedAt = performance.now();
        if (parse) JSON.parse(message.value.toString());
        seen++;
        if (seen === events) {
          endedAt = performance.now();
          clearTimeout(timer);
          resolve();
        }
      });
    });
    await stream.close();
    return rate(seen, startedAt, endedAt);
  } finally {
    await consumer.close(true);
  }
}

/** Records/s of one producer writing `records` in sends of `batch`, one send at a time, each acknowledged by all in-sync replicas. */
export interface WriteRate {
  readonly perSecond: number;
  readonly records: number;
  /** The bench process's CPU over the sends (user and system), µs a record: the client's own cost, as both run here. */
  readonly cpuMicrosPerRecord: number;
}

const written = (records: number, startedAt: number, cpuBefore: NodeJS.CpuUsage): WriteRate => {
  const cpu = process.cpuUsage(cpuBefore);
  return {
    records,
    perSecond: records / ((performance.now() - startedAt) / 1000),
    cpuMicrosPerRecord: (cpu.user + cpu.system) / records,
  };
};

/** kafkajs: packages/kafka's DurableProducer (acks=all, murmur2 partitioner as the Java client), as the services write. */
export async function kafkajsWrite(
  infra: BenchInfra,
  topic: string,
  records: readonly OutgoingRecord[],
  batch: number,
): Promise<WriteRate> {
  const producer = new DurableProducer(infra.kafka);
  await producer.connect();
  try {
    const startedAt = performance.now();
    const cpuBefore = process.cpuUsage();
    for (let i = 0; i < records.length; i += batch) await producer.send(topic, records.slice(i, i + batch));
    return written(records.length, startedAt, cpuBefore);
  } finally {
    await producer.disconnect();
  }
}

/**
 * @platformatic/kafka: the same records, sends and acks (-1); the Java client's partitioner
 * (`compatibilityPartitioner`: its default one places keys elsewhere); with `idempotent`, its idempotent producer.
 */
export async function platformaticWrite(
  infra: BenchInfra,
  topic: string,
  records: readonly OutgoingRecord[],
  batch: number,
  idempotent: boolean,
): Promise<WriteRate> {
  const producer = new Producer({
    clientId: `${infra.id}-platformatic-producer`,
    bootstrapBrokers: [...infra.brokers],
    ...(infra.sasl ? { sasl: { mechanism: 'SCRAM-SHA-256' as const, username: infra.sasl.username, password: infra.sasl.password } } : {}),
    acks: ProduceAcks.ALL,
    idempotent,
    partitioner: compatibilityPartitioner,
  });
  try {
    // The connection and metadata are set up before the clock starts, as the kafkajs producer's connect() does.
    await producer.metadata({ topics: [topic] });
    const startedAt = performance.now();
    const cpuBefore = process.cpuUsage();
    for (let i = 0; i < records.length; i += batch) {
      await producer.send({
        messages: records.slice(i, i + batch).map((r) => ({
          topic,
          key: Buffer.from(r.key),
          value: Buffer.from(r.value),
          ...(r.headers ? { headers: new Map(Object.entries(r.headers).map(([k, v]) => [Buffer.from(k), Buffer.from(v)])) } : {}),
        })),
      });
    }
    return written(records.length, startedAt, cpuBefore);
  } finally {
    await producer.close();
  }
}

/** Partitions of the topic both producers write, as many as grid.events. */
export async function producerTopic(infra: BenchInfra, partitions: number): Promise<{ name: string; remove: () => Promise<void> }> {
  const name = `${infra.id}.producers`;
  await ensureTopics(infra.kafka, [{ name, partitions }]);
  return { name, remove: () => deleteTopics(infra.kafka, [name]) };
}

/** What one reader or writer measured in each round, and its best (the round least disturbed by whatever else ran). */
export interface Rounds {
  readonly best: number;
  readonly rounds: readonly number[];
}

/**
 * Runs every measurement `rounds` times, taking turns in the order given (kafkajs, then @platformatic/kafka, …),
 * so that a burst of load elsewhere on the machine falls on both clients rather than on one.
 */
export async function takingTurns<K extends string>(rounds: number, runs: Record<K, () => Promise<number>>): Promise<Record<K, Rounds>> {
  const keys = Object.keys(runs) as K[];
  const seen = new Map<K, number[]>(keys.map((key) => [key, []]));
  for (let round = 0; round < rounds; round++) {
    for (const key of keys) seen.get(key)!.push(await runs[key]());
  }
  const result = {} as Record<K, Rounds>;
  for (const [key, values] of seen) result[key] = { best: Math.max(...values), rounds: values };
  return result;
}

/** The rounds of a measurement, for a suite table's note. */
export const roundsNote = (r: Rounds) => `best of ${r.rounds.map((v) => Math.round(v).toLocaleString('en-US')).join(', ')}`;
