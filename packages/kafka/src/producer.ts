import type { Producer } from 'kafkajs';
import { kafkajsOf, type KafkaClient } from './client.ts';
import { keyPartitioner } from './partition.ts';

export interface OutgoingRecord {
  readonly key: string;
  readonly value: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface Delivered {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

export interface DurableProducerOptions {
  /**
   * How often a failed produce request is retried, and the longest wait between tries (ms). By default the
   * client's (10 tries, up to ~30 s each): right for a relay that must get through. A request handler that answers
   * 503 after a deadline sets fewer, so that a request nobody waits for stops soon and frees its place.
   */
  readonly retry?: { readonly retries: number; readonly maxRetryTimeMs: number };
}

/** Produces with acks=all: a record is acknowledged only once every in-sync replica has it. */
export class DurableProducer {
  private readonly producer: Producer;

  constructor(kafka: KafkaClient, options: DurableProducerOptions = {}) {
    // Keys placed by murmur2 as the Java client places them (partition.ts).
    this.producer = kafkajsOf(kafka).producer({
      createPartitioner: keyPartitioner,
      allowAutoTopicCreation: false,
      ...(options.retry ? { retry: { retries: options.retry.retries, maxRetryTime: options.retry.maxRetryTimeMs } } : {}),
    });
  }

  connect(): Promise<void> {
    return this.producer.connect();
  }

  disconnect(): Promise<void> {
    return this.producer.disconnect();
  }

  async send(topic: string, records: readonly OutgoingRecord[]): Promise<Delivered[]> {
    if (records.length === 0) return [];
    const metadata = await this.producer.send({
      topic,
      acks: -1,
      messages: records.map((r) => ({ key: r.key, value: r.value, ...(r.headers ? { headers: { ...r.headers } } : {}) })),
    });
    return metadata.map((m) => ({ topic: m.topicName, partition: m.partition, offset: m.baseOffset ?? '-1' }));
  }

  /**
   * Tombstones (records with a null value) for `keys` on a compacted topic, acks=all: once the log cleaner has run,
   * nothing of those keys is left on it but the tombstone, and that too after `delete.retention.ms`.
   */
  async tombstone(topic: string, keys: readonly string[]): Promise<Delivered[]> {
    if (keys.length === 0) return [];
    const metadata = await this.producer.send({ topic, acks: -1, messages: keys.map((key) => ({ key, value: null })) });
    return metadata.map((m) => ({ topic: m.topicName, partition: m.partition, offset: m.baseOffset ?? '-1' }));
  }

  /**
   * Several topics in one request, e.g. events and notifications of one batch. Answers where each topic-partition's
   * records begin (one entry per topic-partition written).
   */
  async sendMany(batches: ReadonlyMap<string, readonly OutgoingRecord[]>): Promise<Delivered[]> {
    const topicMessages = [...batches]
      .filter(([, records]) => records.length > 0)
      .map(([topic, records]) => ({
        topic,
        messages: records.map((r) => ({ key: r.key, value: r.value, ...(r.headers ? { headers: { ...r.headers } } : {}) })),
      }));
    if (topicMessages.length === 0) return [];
    const metadata = await this.producer.sendBatch({ acks: -1, topicMessages });
    return metadata.map((m) => ({ topic: m.topicName, partition: m.partition, offset: m.baseOffset ?? '-1' }));
  }
}
