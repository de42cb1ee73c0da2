import type { DurableProducer, OutgoingRecord } from './producer.ts';
import { KafkaUnavailableError } from './unavailable.ts';

interface Pending {
  readonly record: OutgoingRecord;
  resolve(): void;
  reject(err: unknown): void;
  settled: boolean;
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
    /**
     * Produce requests in flight at once. One by default (ADR 0050): with more, a broker that answers in a few ms
     * leaves a free slot for nearly every record, and at 1,000 reports/s each went out in a request of its own.
     */
    private readonly maxInFlight = 1,
    /**
     * Longest a caller waits for Kafka's acknowledgement; then it hears KafkaUnavailableError. A record still
     * waiting its turn is taken back (never sent); one already in flight may still land.
     */
    private readonly timeoutMs?: number,
  ) {}

  send(topic: string, record: OutgoingRecord): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const queue = this.queues.get(topic) ?? [];
      let timer: NodeJS.Timeout | undefined;
      const pending: Pending = {
        record,
        settled: false,
        resolve() {
          clearTimeout(timer);
          pending.settled = true;
          resolve();
        },
        reject(err: unknown) {
          clearTimeout(timer);
          pending.settled = true;
          reject(err instanceof KafkaUnavailableError ? err : new KafkaUnavailableError('Kafka did not take the record', { cause: err }));
        },
      };
      if (this.timeoutMs !== undefined) {
        const timeoutMs = this.timeoutMs;
        timer = setTimeout(() => {
          if (pending.settled) return;
          const waiting = queue.indexOf(pending);
          if (waiting >= 0) queue.splice(waiting, 1);
          pending.reject(
            new KafkaUnavailableError(
              `no acknowledgement from Kafka within ${timeoutMs} ms (${waiting >= 0 ? 'not sent' : 'sent: it may still land'})`,
            ),
          );
        }, timeoutMs);
      }
      queue.push(pending);
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
            () => batch.filter((p) => !p.settled).forEach((p) => p.resolve()),
            (err: unknown) => batch.filter((p) => !p.settled).forEach((p) => p.reject(err)),
          )
          .finally(() => {
            this.inFlight--;
            this.flush();
          });
      }
    }
  }
}
