import { Partitioners, type Producer } from 'kafkajs';
import { kafkajsOf, type KafkaClient } from './client.ts';

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

/** Produces with acks=all: a record is acknowledged only once every in-sync replica has it. */
export class DurableProducer {
  private readonly producer: Producer;

  constructor(kafka: KafkaClient) {
    // The default (murmur2) partitioner places keys as the Java client does.
    this.producer = kafkajsOf(kafka).producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
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

  /** Several topics in one request, e.g. events and notifications of one batch. */
  async sendMany(batches: ReadonlyMap<string, readonly OutgoingRecord[]>): Promise<void> {
    const topicMessages = [...batches]
      .filter(([, records]) => records.length > 0)
      .map(([topic, records]) => ({
        topic,
        messages: records.map((r) => ({ key: r.key, value: r.value, ...(r.headers ? { headers: { ...r.headers } } : {}) })),
      }));
    if (topicMessages.length === 0) return;
    await this.producer.sendBatch({ acks: -1, topicMessages });
  }
}
