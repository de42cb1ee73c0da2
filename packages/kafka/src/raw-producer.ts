import { kafkajsOf, type KafkaClient } from './client.ts';
import { keyPartitioner } from './partition.ts';
import type { Delivered } from './producer.ts';

/** A record as an outside producer may write it: any partition, any headers, its own timestamp. */
export interface RawRecord {
  readonly key: string | null;
  readonly value: string | Buffer | null;
  /** Where it goes; by default where the key maps to. */
  readonly partition?: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** Epoch ms as text: a CreateTime claim (a LogAppendTime topic replaces it with the broker's time). */
  readonly timestamp?: string;
}

/**
 * Produces records as a plain Kafka client would, with none of the pipeline's rules (no signature, any partition):
 * what tests and drills use to act as someone with access to the broker (ADR 0019). Not for the services.
 */
export async function produceRaw(kafka: KafkaClient, topic: string, records: readonly RawRecord[]): Promise<Delivered[]> {
  const producer = kafkajsOf(kafka).producer({ createPartitioner: keyPartitioner, allowAutoTopicCreation: false });
  await producer.connect();
  try {
    const metadata = await producer.send({
      topic,
      acks: -1,
      messages: records.map((r) => ({
        key: r.key,
        value: r.value,
        ...(r.partition === undefined ? {} : { partition: r.partition }),
        ...(r.headers ? { headers: { ...r.headers } } : {}),
        ...(r.timestamp ? { timestamp: r.timestamp } : {}),
      })),
    });
    return metadata.map((m) => ({ topic: m.topicName, partition: m.partition, offset: m.baseOffset ?? '-1' }));
  } finally {
    await producer.disconnect();
  }
}
