import { DurableProducer, highWatermarks, readRanges, type KafkaClient } from '@gridgov/kafka';
import type { Logger } from '@gridgov/runtime';
import type { BulletinLog } from '../api/bulletin.ts';

/** grid.bulletins on Kafka: appended with acks=all (the producer connects on first use), read back whole. */
export class KafkaBulletinLog implements BulletinLog {
  private readonly producer: DurableProducer;
  private connected: Promise<void> | undefined;

  constructor(
    private readonly kafka: KafkaClient,
    private readonly topic: string,
    private readonly logger: Logger,
  ) {
    this.producer = new DurableProducer(kafka);
  }

  async append(key: string, value: string): Promise<void> {
    this.connected ??= this.producer.connect().catch((err: unknown) => {
      this.connected = undefined;
      throw err;
    });
    await this.connected;
    await this.producer.send(this.topic, [{ key, value }]);
  }

  async readAll(): Promise<{ key: string | null; value: string | null }[]> {
    const ends = await highWatermarks(this.kafka, this.topic);
    const records: { key: string | null; value: string | null }[] = [];
    await readRanges(
      this.kafka,
      [...ends].map(([partition, to]) => ({ topic: this.topic, partition, from: 0n, to })),
      (batch) => {
        for (const r of batch.records) records.push({ key: r.key, value: r.value?.toString('utf8') ?? null });
        return Promise.resolve();
      },
      { logger: this.logger, groupPrefix: `${this.topic}-reader` },
    );
    return records;
  }

  async close(): Promise<void> {
    if (this.connected) await this.producer.disconnect();
  }
}
