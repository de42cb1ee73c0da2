import { Kafka, logLevel, type Admin } from 'kafkajs';
import { kafkajsSasl, type KafkaSasl } from './client.ts';

/**
 * A readiness probe of Kafka: `check` resolves when the broker answers a metadata request and every partition of
 * the topics has a leader, and rejects otherwise. It has a client of its own that does not retry and gives up in
 * about a second, so that a probe during an outage fails fast and the next one finds a broker that is back.
 */
export class KafkaProbe {
  private readonly admin: Admin;
  private connected: Promise<void> | undefined;

  constructor(
    brokers: readonly string[],
    clientId: string,
    private readonly topics: readonly string[],
    sasl?: KafkaSasl,
  ) {
    const kafka = new Kafka({
      clientId: `${clientId}-probe`,
      brokers: [...brokers],
      ...kafkajsSasl(sasl),
      // Its failures are the probe's answer (logged by whoever asks, once per change), not log lines of their own.
      logLevel: logLevel.NOTHING,
      connectionTimeout: 1_000,
      requestTimeout: 1_500,
      retry: { retries: 0 },
    });
    this.admin = kafka.admin();
  }

  readonly check = async (): Promise<void> => {
    this.connected ??= this.admin.connect().catch((err: unknown) => {
      this.connected = undefined;
      throw err;
    });
    await this.connected;
    const { topics: found } = await this.admin.fetchTopicMetadata({ topics: [...this.topics] });
    for (const topic of this.topics) {
      const metadata = found.find((t) => t.name === topic);
      if (!metadata || metadata.partitions.length === 0) throw new Error(`topic ${topic} does not exist`);
      const leaderless = metadata.partitions.filter((p) => p.leader < 0).map((p) => p.partitionId);
      if (leaderless.length > 0) throw new Error(`topic ${topic}: partitions ${leaderless.join(',')} have no leader`);
    }
  };

  async close(): Promise<void> {
    if (this.connected) await this.admin.disconnect();
  }
}
