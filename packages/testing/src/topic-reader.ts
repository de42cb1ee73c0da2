import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';

export interface ReadRecord {
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly value: string | null;
}

/** Reads a topic from the beginning up to its current end (the high watermarks at call time). */
export async function readTopic(kafka: Kafka, topic: string, timeoutMs = 30_000): Promise<ReadRecord[]> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.high)]));
  await admin.disconnect();
  const pending = new Set([...ends].filter(([, high]) => high > 0n).map(([p]) => p));
  const records: ReadRecord[] = [];
  if (pending.size === 0) return records;

  const consumer = kafka.consumer({ groupId: `reader-${randomUUID()}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finish = resolve));
  await consumer.run({
    eachBatch: ({ batch }) => {
      for (const m of batch.messages) {
        if (BigInt(m.offset) >= (ends.get(batch.partition) ?? 0n)) continue;
        records.push({ partition: batch.partition, offset: m.offset, key: m.key?.toString() ?? null, value: m.value?.toString() ?? null });
        if (BigInt(m.offset) + 1n >= (ends.get(batch.partition) ?? 0n)) pending.delete(batch.partition);
      }
      if (pending.size === 0) finish();
      return Promise.resolve();
    },
  });
  const timer = setTimeout(finish, timeoutMs);
  await done;
  clearTimeout(timer);
  await consumer.disconnect();
  if (pending.size > 0) throw new Error(`readTopic ${topic}: partitions ${[...pending].join(',')} not read to the end in ${timeoutMs} ms`);
  return records;
}
