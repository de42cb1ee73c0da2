import { highWatermarks, type KafkaClient } from '@gridgov/kafka';
import { withinTime, type Logger } from '@gridgov/runtime';

/** Where a folded partition stands in its store: the last offset folded ('' for none) and whether it is marked whole. */
export interface FoldPosition {
  readonly checkpoint: string;
  readonly restored: boolean;
}

export interface WatchedTopic {
  readonly topic: string;
  readonly partitions: readonly number[];
  readonly position: (partition: number) => Promise<FoldPosition>;
  /**
   * Marks the partition whole while its checkpoint is still `checkpoint` (what the look saw at the log's end); answers
   * whether it did. Redis may lose the state while a look waits for the log's end: a mark set unguarded would then vouch
   * for nothing, and the partition would never be read again.
   */
  readonly markRestored: (partition: number, checkpoint: string) => Promise<boolean>;
}

export const nextOffset = (checkpoint: string): bigint => (checkpoint === '' ? 0n : BigInt(checkpoint) + 1n);

/**
 * The longest a look waits for a topic's high watermarks. kafkajs retries a refused ListOffsets (a broker whose
 * metadata lags) for up to some 50 s with the client's retry settings; a look held that long holds every partition's
 * restore with it. It fails instead, and the next look asks again.
 */
export const WATERMARKS_WAIT_MS = 5_000;

/**
 * Lost state is detected, never served (ADR 0009). A store keeps per partition a mark that it holds everything up to
 * its checkpoint; Redis that lost the state lost the mark with it. This looks at the partitions without one: a
 * partition whose checkpoint reached the log's end is marked whole; one behind whose checkpoint did not move since the
 * last look is read again from it (after a wipe, a consumer with nothing new to fetch would otherwise wait forever).
 * Readers refuse to answer from a store while any partition lacks its mark.
 */
export class RestoreWatch {
  private readonly lastSeen = new Map<string, string>();

  constructor(
    private readonly kafka: KafkaClient,
    private readonly logger: Logger,
    private readonly label: string,
    private readonly seek: (topic: string, partition: number, offset: bigint) => void,
  ) {}

  async look(watched: readonly WatchedTopic[]): Promise<void> {
    for (const { topic, partitions, position, markRestored } of watched) {
      let ends: Map<number, bigint> | undefined;
      for (const partition of partitions) {
        const { checkpoint, restored } = await position(partition);
        const name = `${topic}/${partition}`;
        if (restored) {
          this.lastSeen.delete(name);
          continue;
        }
        ends ??= await withinTime(highWatermarks(this.kafka, topic), WATERMARKS_WAIT_MS, `high watermarks of ${topic}`);
        const next = nextOffset(checkpoint);
        if (next >= (ends.get(partition) ?? 0n)) {
          this.lastSeen.delete(name);
          if (await markRestored(partition, checkpoint)) {
            this.logger.info({ store: this.label, topic, partition, checkpoint }, 'partition whole: folded up to the end of the log');
          } else {
            this.logger.info(
              { store: this.label, topic, partition, checkpoint },
              'partition not marked whole: its checkpoint moved while looked at (Redis lost it?); looked at again next time',
            );
          }
        } else if (this.lastSeen.get(name) === checkpoint) {
          this.logger.info(
            { store: this.label, topic, partition, from: next.toString() },
            'partition behind and idle: re-reading from its checkpoint',
          );
          this.seek(topic, partition, next);
        } else {
          this.lastSeen.set(name, checkpoint);
        }
      }
    }
  }
}
