import {
  CHECKPOINTED_COMMIT_EVERY_MS,
  runBatchConsumer,
  type KafkaClient,
  type PartitionBatch,
  type RunningConsumer,
  type SeekTarget,
} from '@gridgov/kafka';
import type { Logger } from '@gridgov/runtime';
import { consumerObserver, type ServiceMetrics } from '@gridgov/telemetry';

/**
 * A fold of the projection's logs (the counters, the read side): it keeps its own checkpoint per partition and is fed
 * by a consumer it may share with the other folds of its process (ADR 0040).
 */
export interface LogFold {
  /** The topics it folds. */
  readonly topics: readonly string[];
  /** After each rebalance, with what the member now owns, before any batch: positions its partitions (seeks). */
  assigned(assignment: ReadonlyMap<string, readonly number[]>): Promise<void>;
  /**
   * One partition's batch of one of its topics. Another fold may have sought the partition elsewhere: a fold takes what
   * follows its own checkpoint and seeks back when a batch begins past it.
   */
  fold(batch: PartitionBatch): Promise<void>;
}

export interface FoldConsumerOptions {
  readonly kafka: KafkaClient;
  readonly groupId: string;
  readonly logger: Logger;
  /** How many partitions are folded at once (each partition stays in order). */
  readonly partitionsConcurrently: number;
  /** The most one fetch brings of one partition, in bytes. */
  readonly fetchBytesPerPartition: number;
  readonly sessionTimeoutMs?: number;
  /** Told when the consumer crashed and will not restart by itself. */
  readonly onCrash?: (err: Error) => void;
  /** Consumer lag and state (ADR 0026). */
  readonly metrics?: ServiceMetrics;
}

/**
 * What feeds a fold: a consumer shared with the other folds of its process (`consumer`), or one of its own, made from
 * the options beside it (a rebuild, a test).
 */
export type FoldFeed =
  | { readonly consumer: FoldConsumer }
  | {
      readonly consumer?: undefined;
      readonly groupId: string;
      /** How many partitions are folded at once (each partition stays in order). */
      readonly partitionsConcurrently: number;
      /** How soon a silent instance loses its partitions, in ms. */
      readonly sessionTimeoutMs?: number;
      /** The most one fetch brings of one partition, in bytes (a replay's batch size; default FETCH_BYTES_PER_PARTITION). */
      readonly fetchBytesPerPartition?: number;
      /** Told when the consumer crashed and will not restart by itself. */
      readonly onCrash?: (err: Error) => void;
    };

/**
 * What one fetch brings of a partition by default: kafkajs's own 1 MiB, about 1,000 events. 4 MiB batches wrote less
 * per event but, on the loaded 2-core machine, held partitions past a 6 s session timeout (docs/performance.md).
 */
export const FETCH_BYTES_PER_PARTITION = 1024 * 1024;

/** The feed's consumer: the shared one, or a new one of the fold's own. */
export function consumerOf(
  feed: FoldFeed & { readonly kafka: KafkaClient; readonly logger: Logger; readonly metrics?: ServiceMetrics },
): FoldConsumer {
  if (feed.consumer) return feed.consumer;
  return new FoldConsumer({
    kafka: feed.kafka,
    groupId: feed.groupId,
    logger: feed.logger,
    partitionsConcurrently: feed.partitionsConcurrently,
    fetchBytesPerPartition: feed.fetchBytesPerPartition ?? FETCH_BYTES_PER_PARTITION,
    ...(feed.sessionTimeoutMs ? { sessionTimeoutMs: feed.sessionTimeoutMs } : {}),
    ...(feed.onCrash ? { onCrash: feed.onCrash } : {}),
    ...(feed.metrics ? { metrics: feed.metrics } : {}),
  });
}

/**
 * One consumer group member feeding every fold added to it: each batch is fetched once and handed to each fold that
 * folds its topic, the folds of a batch at once (they write apart in Redis), the batch done when all are. A fold seeks
 * through it; the batch it was folding is then not committed (runBatchConsumer), the next begins where it sought, and
 * the other folds skip what they hold already. The projection's counters and read side share one (ADR 0040): grid.events
 * is fetched, its records' signatures checked and their events decoded once, not once per fold.
 */
export class FoldConsumer {
  private readonly folds: LogFold[] = [];
  private running: Promise<RunningConsumer> | undefined;
  private assignedOnce: () => void = () => undefined;
  private readonly firstAssigned = new Promise<void>((resolve) => (this.assignedOnce = resolve));

  constructor(private readonly options: FoldConsumerOptions) {}

  /** Adds a fold; before start only. */
  add(fold: LogFold): void {
    if (this.running) throw new Error(`${this.options.groupId}: a fold added after the consumer started`);
    this.folds.push(fold);
  }

  /** Joins the group and starts feeding the folds; their `assigned` runs on each rebalance, in the order added. */
  start(): Promise<void> {
    if (this.running) throw new Error(`${this.options.groupId}: started twice`);
    const { options } = this;
    const topics = [...new Set(this.folds.flatMap((f) => f.topics))];
    this.running = runBatchConsumer({
      kafka: options.kafka,
      groupId: options.groupId,
      topics,
      logger: options.logger,
      partitionsConcurrently: options.partitionsConcurrently,
      maxBytesPerPartition: options.fetchBytesPerPartition,
      // Every fold keeps its checkpoints and skips what it holds: offsets need not be saved every batch.
      commitEveryMs: CHECKPOINTED_COMMIT_EVERY_MS,
      ...(options.sessionTimeoutMs ? { sessionTimeoutMs: options.sessionTimeoutMs } : {}),
      onAssigned: async (assignment) => {
        for (const fold of this.folds) await fold.assigned(assignment);
        this.assignedOnce();
      },
      onBatch: async (batch) => {
        const folds = this.folds.filter((f) => f.topics.includes(batch.topic));
        const results = await Promise.allSettled(folds.map((f) => f.fold(batch)));
        // Every fold has finished with the batch before it is fetched again: one that failed folds it anew, one that
        // succeeded finds it folded (its checkpoint) and skips it.
        const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        if (failed) throw failed.reason;
      },
      ...(options.onCrash ? { onCrash: options.onCrash } : {}),
      ...(options.metrics ? { observer: consumerObserver(options.metrics) } : {}),
    });
    return this.running.then(() => undefined);
  }

  /**
   * Resolves once every fold has taken its first assignment (positioned its partitions, looked at those not whole: a
   * fresh log is then marked whole), or after 30 s.
   */
  whenAssigned(): Promise<void> {
    return Promise.race([this.firstAssigned, new Promise<void>((resolve) => setTimeout(resolve, 30_000).unref())]);
  }

  /**
   * Moves an owned partition (runBatchConsumer's seek) once the consumer runs: a fold positioning its partitions on
   * assignment awaits it, so that the batches after the assignment begin where it sought. Before start, nothing.
   */
  async seek(target: SeekTarget): Promise<void> {
    const running = this.running;
    if (running) (await running).seek(target);
  }

  async stop(): Promise<void> {
    const running = this.running;
    if (!running) return;
    await (await running.catch(() => undefined))?.stop();
  }
}
