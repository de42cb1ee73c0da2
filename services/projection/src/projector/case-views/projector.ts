import type { EventVerifier } from '@gridgov/auth';
import type { Topics } from '@gridgov/contracts';
import type { AreaTree, Catalog } from '@gridgov/domain';
import { runBatchConsumer, type PartitionBatch, type RunningConsumer, type KafkaClient } from '@gridgov/kafka';
import { CheckpointConflict } from '@gridgov/redis';
import type { Logger } from '@gridgov/runtime';
import { consumerObserver, type ServiceMetrics } from '@gridgov/telemetry';
import { nextOffset, RestoreWatch, type FoldPosition } from '../restore-watch.ts';
import { FETCH_BYTES_PER_PARTITION } from '../projector.ts';
import { CaseViewFold } from './fold.ts';
import type { CaseViewStore, Log } from './store.ts';

export interface CaseViewProjectorDeps {
  readonly kafka: KafkaClient;
  readonly store: CaseViewStore;
  readonly areas: AreaTree;
  /** Which categories are confidential (their text is not indexed); the built-in catalog when absent. */
  readonly catalog?: Catalog;
  /**
   * Waits (a bounded time) until the configuration in force is at least this version: events decided under a version
   * this instance has not read yet (a grid just added) are folded once it has (ADR 0024).
   */
  readonly configVersionReached?: (version: number) => Promise<void>;
  readonly topics: Topics;
  readonly groupId: string;
  readonly logger: Logger;
  readonly partitionsConcurrently: number;
  /** Checks each event before it is folded (ADR 0019). */
  readonly eventVerifier: EventVerifier;
  readonly sessionTimeoutMs?: number;
  /** The most one fetch brings of one partition, in bytes (default FETCH_BYTES_PER_PARTITION). */
  readonly fetchBytesPerPartition?: number;
  /** How often partitions not yet whole are looked at (marked when caught up, re-read when stalled). */
  readonly watchMs?: number;
  /** Told when the consumer crashed and will not restart by itself. */
  readonly onCrash?: (err: Error) => void;
  /** Consumer lag and state (ADR 0026). */
  readonly metrics?: ServiceMetrics;
}

/**
 * The read side (ADR 0009): folds grid.events into case views, histories and work lists, and grid.outcomes into
 * command outcomes, each partition with its own checkpoint, so all of it can be rebuilt from the log. A partition whose
 * state Redis lost (no checkpoint, no restored mark) is read again from the start, and the API serves none of the read
 * side until every partition is marked whole again.
 */
export class CaseViewProjector {
  private running: RunningConsumer | undefined;
  private owned = new Map<string, readonly number[]>();
  private readonly seeks = new Map<string, { offset: bigint; first?: bigint }>();
  /**
   * Where this process's last folded batch of each `topic/partition` left it: the next batch that begins right after it
   * needs no read of the position. Redis keeps the truth: the checkpoint script refuses a checkpoint that moved (a wipe,
   * another instance), which forgets the entry, as every seek and failed batch does.
   */
  private readonly folded = new Map<string, FoldPosition>();
  private readonly restoreWatch: RestoreWatch;
  private readonly fold: CaseViewFold;
  private watch: NodeJS.Timeout | undefined;
  private stopping = false;

  constructor(private readonly deps: CaseViewProjectorDeps) {
    this.fold = new CaseViewFold(deps);
    this.restoreWatch = new RestoreWatch(deps.kafka, deps.logger, 'case views', (topic, partition, offset) =>
      this.seek(topic, partition, offset),
    );
  }

  private logOf(topic: string): Log {
    return topic === this.deps.topics.events ? 'events' : 'outcomes';
  }

  /** Starts folding; resolves once the first assignment is positioned and looked at (so a fresh log is marked whole). */
  async start(): Promise<void> {
    const { topics } = this.deps;
    let firstLook: () => void = () => undefined;
    const looked = new Promise<void>((resolve) => (firstLook = resolve));
    this.running = await runBatchConsumer({
      kafka: this.deps.kafka,
      groupId: this.deps.groupId,
      topics: [topics.events, topics.outcomes],
      logger: this.deps.logger,
      partitionsConcurrently: this.deps.partitionsConcurrently,
      maxBytesPerPartition: this.deps.fetchBytesPerPartition ?? FETCH_BYTES_PER_PARTITION,
      ...(this.deps.sessionTimeoutMs ? { sessionTimeoutMs: this.deps.sessionTimeoutMs } : {}),
      onAssigned: async (assignment) => {
        this.owned = new Map(assignment);
        await this.position();
        await this.watchRestores().catch((err: unknown) => this.deps.logger.warn({ err }, 'read side: restore watch failed'));
        firstLook();
      },
      onBatch: (batch) => this.onBatch(batch),
      onCrash: (err) => this.deps.onCrash?.(err),
      ...(this.deps.metrics ? { observer: consumerObserver(this.deps.metrics) } : {}),
    });
    this.scheduleWatch();
    await Promise.race([looked, new Promise((resolve) => setTimeout(resolve, 30_000))]);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.watch);
    await this.running?.stop();
  }

  private seek(topic: string, partition: number, offset: bigint, first?: bigint): void {
    this.folded.delete(`${topic}/${partition}`);
    this.seeks.set(`${topic}/${partition}`, { offset, ...(first === undefined ? {} : { first }) });
    this.running?.seek({ topic, partition, offset });
  }

  /**
   * Seeks every owned partition to its checkpoint. Failures are logged only: a batch that does not follow its
   * checkpoint is sought back anyway (onBatch).
   */
  private async position(): Promise<void> {
    for (const [topic, partitions] of this.owned) {
      for (const partition of partitions) {
        try {
          const { checkpoint } = await this.deps.store.position(partition, this.logOf(topic));
          this.seek(topic, partition, nextOffset(checkpoint));
        } catch (err) {
          this.folded.delete(`${topic}/${partition}`);
          this.deps.logger.warn({ err, topic, partition }, 'read side: could not position a partition at its checkpoint');
        }
      }
    }
  }

  private scheduleWatch(): void {
    if (this.stopping) return;
    this.watch = setTimeout(() => {
      this.watchRestores()
        .catch((err: unknown) => this.deps.logger.warn({ err }, 'read side: restore watch failed'))
        .finally(() => this.scheduleWatch());
    }, this.deps.watchMs ?? 1_000);
  }

  private watchRestores(): Promise<void> {
    return this.restoreWatch.look(
      [...this.owned].map(([topic, partitions]) => {
        const log = this.logOf(topic);
        return {
          topic,
          partitions,
          position: (p: number) => this.deps.store.position(p, log),
          markRestored: (p: number) => this.deps.store.markRestored(p, log, new Date()),
        };
      }),
    );
  }

  private async onBatch(batch: PartitionBatch): Promise<void> {
    try {
      await this.foldBatch(batch);
    } catch (err) {
      // The checkpoint moved under a remembered one (a wipe, another instance): fold the batch again from Redis's.
      if (this.folded.delete(`${batch.topic}/${batch.partition}`) && err instanceof CheckpointConflict) return this.foldBatch(batch);
      throw err;
    }
  }

  private async foldBatch(batch: PartitionBatch): Promise<void> {
    const { store, logger } = this.deps;
    const log = this.logOf(batch.topic);
    const { partition } = batch;
    const name = `${batch.topic}/${partition}`;
    const firstRecord = batch.records[0];
    if (!firstRecord) return;
    const memo = this.folded.get(name);
    const continues = memo !== undefined && nextOffset(memo.checkpoint) === BigInt(firstRecord.offset);
    const { checkpoint, restored } = continues ? memo : await store.position(partition, log);
    const next = nextOffset(checkpoint);
    const first = BigInt(firstRecord.offset);
    if (first > next) {
      // Records this store does not hold yet (Redis lost them, or a commit ran ahead): read them first. The same later
      // offset right after seeking there means the log has a hole: go on after it, loudly.
      const last = this.seeks.get(name);
      if (!(last && last.offset === next && last.first === first)) {
        this.seek(batch.topic, partition, next, first);
        logger.info(
          { topic: batch.topic, partition, from: next.toString(), batchBegins: first.toString() },
          'read side: re-reading from the checkpoint',
        );
        return;
      }
      logger.error(
        { topic: batch.topic, partition, missing: `${next}..${first - 1n}` },
        'read side: offsets missing from the log: going on',
      );
    }
    this.seeks.delete(name);
    const fresh = batch.records.filter((r) => BigInt(r.offset) >= next);
    const lastRecord = fresh[fresh.length - 1];
    if (!lastRecord) return;
    if (log === 'events') await this.fold.foldEvents(partition, checkpoint, lastRecord.offset, fresh, () => batch.heartbeat());
    else await this.fold.foldOutcomes(partition, checkpoint, lastRecord.offset, fresh);
    // Caught up with the log: a partition being restored is whole again (the watch would mark it within a second).
    const caughtUp = BigInt(lastRecord.offset) + 1n >= BigInt(batch.highWatermark);
    if (caughtUp && !restored) await store.markRestored(partition, log, new Date());
    this.folded.set(name, { checkpoint: lastRecord.offset, restored: restored || caughtUp });
  }
}
