import type { DurableProducer, OutgoingRecord } from './producer.ts';

interface Pending {
  readonly record: OutgoingRecord;
  resolve(): void;
  reject(err: unknown): void;
}

/**
 * Group commit for request handlers: while one produce request is in flight, records that arrive
 * wait and go out together in the next one. Each caller still hears back only when Kafka has its
 * record (acks=all); under load, many callers share one round trip instead of queueing for their own.
 */
export class GroupCommitProducer {
  private readonly queues = new Map<string, Pending[]>();
  private inFlight = 0;

  constructor(
    private readonly producer: DurableProducer,
    /** Most records in one produce request. */
    private readonly maxBatch = 500,
    /** Produce requests in flight at once. */
    private readonly maxInFlight = 4,
  ) {}

  send(topic: string, record: OutgoingRecord): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const queue = this.queues.get(topic) ?? [];
      queue.push({ record, resolve, reject });
      this.queues.set(topic, queue);
      this.flush();
    });
  }

  private flush(): void {
    for (const [topic, queue] of this.queues) {
      while (queue.length > 0 && this.inFlight < this.maxInFlight) {
        const batch = queue.splice(0, this.maxBatch);
        this.inFlight++;
        this.producer
          .send(
            topic,
            batch.map((p) => p.record),
          )
          .then(
            () => batch.forEach((p) => p.resolve()),
            (err: unknown) => batch.forEach((p) => p.reject(err)),
          )
          .finally(() => {
            this.inFlight--;
            this.flush();
          });
      }
    }
  }
}
