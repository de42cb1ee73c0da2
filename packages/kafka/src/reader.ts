import { randomUUID } from 'node:crypto';
import { topicWatermarks } from './admin.ts';
import { kafkajsOf, type KafkaClient } from './client.ts';
import type { IncomingRecord } from './consumer.ts';
import { headersOf } from './partition.ts';

export interface RangeReadOptions {
  readonly topic: string;
  /** Partition → the first offset to read. Partitions left out are not read. */
  readonly from: ReadonlyMap<number, bigint>;
  /**
   * Each partition's records in offset order, a batch at a time, from its `from` offset (or its first
   * record kept, when that is later) up to the high watermark measured when the read began. The next
   * batch of the same partition waits until it resolves; when it throws, the read stops with its error.
   */
  readonly onBatch: (partition: number, records: readonly IncomingRecord[]) => Promise<void> | void;
  /** Gives up with an error when the range is not read in this time (default 30 s). */
  readonly timeoutMs?: number;
}

/** What a range read covered: per partition read, the offset it stopped before (the high watermark at the start). */
export type RangeEnd = ReadonlyMap<number, bigint>;

/**
 * Reads partitions of a topic from given offsets up to their high watermarks at call time, then stops:
 * a restore, a replay, a check of what a topic holds. Nothing is committed; the read joins a consumer
 * group of its own, used once. For topics written without transactions (a partition's last offset holds a record).
 */
export async function readRange(kafka: KafkaClient, options: RangeReadOptions): Promise<RangeEnd> {
  const { topic } = options;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const marks = await topicWatermarks(kafka, topic);
  const ends = new Map<number, bigint>();
  /** Per partition still to read, the next offset wanted: records before it are skipped (read already, or before the range). */
  const next = new Map<number, bigint>();
  for (const { partition, low, high } of marks) {
    const from = options.from.get(partition);
    if (from === undefined) continue;
    ends.set(partition, high);
    const start = from > low ? from : low;
    if (start < high) next.set(partition, start);
  }
  if (next.size === 0) return ends;

  const consumer = kafkajsOf(kafka).consumer({ groupId: `${kafka.clientId}-range-${randomUUID()}`, maxWaitTimeInMs: 100 });
  let finish: (err?: Error) => void = () => undefined;
  const done = new Promise<void>((resolve, reject) => (finish = (err) => (err ? reject(err) : resolve())));
  // Awaited below; a crash before that (e.g. a group the principal may not use) is not an unhandled rejection.
  done.catch(() => undefined);
  consumer.on(consumer.events.CRASH, (event) => {
    if (!event.payload.restart) finish(event.payload.error);
  });
  const timer = setTimeout(
    () => finish(new Error(`reading ${topic}: partitions ${[...next.keys()].join(',')} not read to the end in ${timeoutMs} ms`)),
    timeoutMs,
  );
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const want = next.get(batch.partition);
        const end = ends.get(batch.partition);
        if (want === undefined || end === undefined) return;
        const records: IncomingRecord[] = [];
        for (const m of batch.messages) {
          const offset = BigInt(m.offset);
          if (offset < want || offset >= end) continue;
          records.push({
            offset: m.offset,
            key: m.key ? m.key.toString() : null,
            value: m.value,
            timestamp: m.timestamp,
            headers: headersOf(m.headers),
          });
        }
        const last = records[records.length - 1];
        if (last) {
          try {
            await options.onBatch(batch.partition, records);
          } catch (err) {
            finish(err instanceof Error ? err : new Error(String(err)));
            return;
          }
          next.set(batch.partition, BigInt(last.offset) + 1n);
        }
        if ((next.get(batch.partition) ?? end) >= end) next.delete(batch.partition);
        if (next.size === 0) finish();
      },
    });
    // Skip what lies before the range, and the partitions not asked for (the reader drops both anyway, should a fetch come first).
    try {
      for (const { partition, high } of marks) consumer.seek({ topic, partition, offset: (next.get(partition) ?? high).toString() });
    } catch (err) {
      // A consumer that crashed while it started (its group refused, say) cannot seek: the crash is the reason.
      await done;
      throw err;
    }
    await done;
    return ends;
  } finally {
    clearTimeout(timer);
    await consumer.disconnect();
  }
}

/** A record as a reader of a whole topic gets it: where it is, its key and its value as text. */
export interface ReadRecord {
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly value: string | null;
  readonly headers: Readonly<Record<string, string>>;
  /** Epoch ms as text: the broker's append time on a LogAppendTime topic. */
  readonly timestamp: string;
}

/** Reads a topic from the beginning up to its current end (the high watermarks at call time), every partition. */
export async function readTopic(kafka: KafkaClient, topic: string, timeoutMs = 30_000): Promise<ReadRecord[]> {
  const marks = await topicWatermarks(kafka, topic);
  const records: ReadRecord[] = [];
  await readRange(kafka, {
    topic,
    from: new Map(marks.map((m) => [m.partition, 0n])),
    timeoutMs,
    onBatch: (partition, batch) => {
      for (const r of batch) {
        records.push({
          partition,
          offset: r.offset,
          key: r.key,
          value: r.value?.toString() ?? null,
          headers: r.headers ?? {},
          timestamp: r.timestamp,
        });
      }
    },
  });
  return records;
}
