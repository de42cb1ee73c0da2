import type { IncomingRecord, PartitionBatch } from './consumer.ts';
import type { DurableProducer } from './producer.ts';

/** What grid.dlq holds: the record as it came, where it came from, and why it was set aside. */
export interface DeadLetter {
  readonly reason: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly value: string | null;
  readonly consumer: string;
  readonly at: string;
}

export function deadLetter(
  consumer: string,
  batch: Pick<PartitionBatch, 'topic' | 'partition'>,
  record: IncomingRecord,
  reason: string,
  at: Date,
): DeadLetter {
  return {
    reason,
    topic: batch.topic,
    partition: batch.partition,
    offset: record.offset,
    key: record.key,
    value: record.value ? record.value.toString('utf8') : null,
    consumer,
    at: at.toISOString(),
  };
}

/** Sends dead letters keyed by origin, so a re-sent batch lands on the same DLQ partition. */
export async function sendDeadLetters(producer: DurableProducer, dlqTopic: string, letters: readonly DeadLetter[]): Promise<void> {
  await producer.send(
    dlqTopic,
    letters.map((l) => ({ key: `${l.topic}/${l.partition}/${l.offset}`, value: JSON.stringify(l) })),
  );
}
