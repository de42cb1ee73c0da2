/** The Kafka client library alone, without the pipeline: kafkajs, through packages/kafka (the client the services use). */
import { readRange, topicWatermarks } from '@gridgov/kafka';
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
