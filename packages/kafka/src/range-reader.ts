import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { topicWatermarks } from './admin.ts';
import { kafkajsOf, type KafkaClient } from './client.ts';
import type { IncomingRecord } from './consumer.ts';
import { headersOf } from './partition.ts';

/** A stretch of one partition: offsets from `from` up to, not including, `to`. */
export interface PartitionRange {
  readonly topic: string;
  readonly partition: number;
  readonly from: bigint;
  readonly to: bigint;
}

export interface RangeBatch {
  readonly topic: string;
  readonly partition: number;
  /** Only records inside the range, in offset order. */
  readonly records: readonly IncomingRecord[];
}

/** The high watermark (the offset the next record will get) of every partition of a topic. */
export async function highWatermarks(kafka: KafkaClient, topic: string): Promise<Map<number, bigint>> {
  return new Map((await topicWatermarks(kafka, topic)).map((p) => [p.partition, p.high]));
}

/**
 * Reads the given stretches of partitions of one or more topics, each batch handed to `onBatch` in offset order per
 * partition, and resolves once every stretch is read, however long that takes (a restore of a year's events; `readRange`
 * is the one-topic reader with a time limit). A consumer of its own (a fresh group that commits nothing and is deleted afterwards),
 * since kafkajs has no manual assignment: it subscribes to the topics, seeks the partitions wanted and pauses the rest.
 */
export async function readRanges(
  kafka: KafkaClient,
  ranges: readonly PartitionRange[],
  onBatch: (batch: RangeBatch) => Promise<void>,
  options: { readonly logger: Logger; readonly groupPrefix: string; readonly partitionsConcurrently?: number },
): Promise<void> {
  const wanted = new Map(ranges.filter((r) => r.to > r.from).map((r) => [`${r.topic}/${r.partition}`, r]));
  if (wanted.size === 0) return;
  const groupId = `${options.groupPrefix}-${randomUUID()}`;
  const consumer = kafkajsOf(kafka).consumer({
    groupId,
    maxWaitTimeInMs: 50,
    sessionTimeout: 30_000,
    maxBytesPerPartition: 4 * 1024 * 1024,
  });
  const pending = new Set(wanted.keys());
  let finish: (err?: Error) => void = () => undefined;
  const done = new Promise<void>((resolve, reject) => (finish = (err) => (err ? reject(err) : resolve())));

  consumer.on(consumer.events.GROUP_JOIN, (event) => {
    for (const [topic, partitions] of Object.entries(event.payload.memberAssignment)) {
      const idle: number[] = [];
      for (const partition of partitions) {
        const range = wanted.get(`${topic}/${partition}`);
        if (range && pending.has(`${topic}/${partition}`)) consumer.seek({ topic, partition, offset: range.from.toString() });
        else idle.push(partition);
      }
      if (idle.length > 0) consumer.pause([{ topic, partitions: idle }]);
    }
  });
  consumer.on(consumer.events.CRASH, (event) => finish(event.payload.error));

  try {
    await consumer.connect();
    for (const topic of new Set(ranges.map((r) => r.topic))) await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      // Partitions side by side: one's fetch overlaps another's handling. Each partition stays in offset order.
      partitionsConsumedConcurrently: options.partitionsConcurrently ?? 1,
      eachBatch: async (payload) => {
        const { batch } = payload;
        const name = `${batch.topic}/${batch.partition}`;
        const range = wanted.get(name);
        if (!range || !pending.has(name) || payload.isStale()) return;
        const records = batch.messages
          .filter((m) => BigInt(m.offset) >= range.from && BigInt(m.offset) < range.to)
          .map((m) => ({
            offset: m.offset,
            key: m.key ? m.key.toString() : null,
            value: m.value,
            timestamp: m.timestamp,
            headers: headersOf(m.headers),
          }));
        if (records.length > 0) await onBatch({ topic: batch.topic, partition: batch.partition, records });
        const last = batch.messages[batch.messages.length - 1];
        if (last && BigInt(last.offset) + 1n >= range.to) {
          pending.delete(name);
          consumer.pause([{ topic: batch.topic, partitions: [batch.partition] }]);
          if (pending.size === 0) finish();
        }
      },
    });
    await done;
  } finally {
    await consumer.disconnect().catch((err: unknown) => options.logger.warn({ err, groupId }, 'range reader did not disconnect'));
    const admin = kafkajsOf(kafka).admin();
    await admin
      .connect()
      .then(() => admin.deleteGroups([groupId]))
      .catch(() => undefined)
      .finally(() => admin.disconnect());
  }
}
