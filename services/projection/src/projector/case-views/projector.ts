import type { EventVerifier } from '@gridgov/auth';
import type { Topics } from '@gridgov/contracts';
import type { AreaTree, Catalog } from '@gridgov/domain';
import type { KafkaClient, PartitionBatch } from '@gridgov/kafka';
import { CheckpointConflict } from '@gridgov/redis';
import type { Logger } from '@gridgov/runtime';
import type { ServiceMetrics } from '@gridgov/telemetry';
import { nextOffset, RestoreWatch, type FoldPosition } from '../restore-watch.ts';
import { consumerOf, type FoldConsumer, type FoldFeed, type LogFold } from '../fold-consumer.ts';
import { CaseViewFold } from './fold.ts';
import type { CaseViewStore, Log } from './store.ts';

/** What the read side's fold needs, besides its feed (a consumer shared with the counters' fold, or its own). */
export type CaseViewProjectorDeps = CaseViewProjectorParts & FoldFeed;

interface CaseViewProjectorParts {
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
  readonly logger: Logger;
  /** Checks each event before it is folded (ADR 0019). */
  readonly eventVerifier: EventVerifier;
  /** How often partitions not yet whole are looked at (marked when caught up, re-read when stalled). */
  readonly watchMs?: number;
  /** Consumer lag and state (ADR 0026). */
  readonly metrics?: ServiceMetrics;
}

/**
 * The read side (ADR 0009): folds grid.events into case views, histories and work lists, and grid.outcomes into
 * command outcomes, each partition with its own checkpoint, so all of it can be rebuilt from the log. A partition whose
 * state Redis lost (no checkpoint, no restored mark) is read again from the start, and the API serves none of the read
 * side until every partition is marked whole again.
 */
export class CaseViewProjector implements LogFold {
  private readonly consumer: FoldConsumer;
  private owned = new Map<string, readonly number[]>();
  private readonly seeks = new Map<string, { offset: bigint; first?: bigint }>();
  /**
   * Where this process's last folded batch of each `topic/partition` left it: the next batch that begins right after it
   * needs no read of the position. Redis keeps the truth: the checkpoint script refuses a checkpoint that moved (a wipe,
   * another instance), which forgets the entry, as every seek and failed batch does.
   */
  private readonly folded = new Map<string, FoldPosition>();
  private readonly restoreWatch: RestoreWatch;
  private readonly folding: CaseViewFold;
  private watch: NodeJS.Timeout | undefined;
  private stopping = false;

  constructor(private readonly deps: CaseViewProjectorDeps) {
    this.folding = new CaseViewFold(deps);
    this.consumer = consumerOf(deps);
    this.restoreWatch = new RestoreWatch(deps.kafka, deps.logger, 'case views', (topic, partition, offset) => {
      void this.seek(topic, partition, offset);
    });
  }

  /** The topics it folds: grid.events and grid.outcomes. */
  get topics(): readonly string[] {
    return [this.deps.topics.events, this.deps.topics.outcomes];
  }

  /** Positions the partitions now owned at their checkpoints and looks at those not marked whole. */
  async assigned(assignment: ReadonlyMap<string, readonly number[]>): Promise<void> {
    this.owned = new Map([...assignment].filter(([topic]) => this.topics.includes(topic)));
    await this.position();
    await this.watchRestores().catch((err: unknown) => this.deps.logger.warn({ err }, 'read side: restore watch failed'));
  }

  fold(batch: PartitionBatch): Promise<void> {
    return this.onBatch(batch);
  }

  private logOf(topic: string): Log {
    return topic === this.deps.topics.events ? 'events' : 'outcomes';
  }

  /**
   * Starts folding. With a consumer of its own it starts that too and resolves once the first assignment is positioned
   * and looked at (so a fresh log is marked whole); with a shared one (`deps.consumer`) it joins it, and whoever starts
   * the consumer awaits its `whenAssigned`.
   */
  async start(): Promise<void> {
    this.consumer.add(this);
    this.scheduleWatch();
    if (this.deps.consumer) return;
    await this.consumer.start();
    await this.consumer.whenAssigned();
  }

  /** Stops folding; a shared consumer is its owner's to stop (before this). */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.watch);
    if (!this.deps.consumer) await this.consumer.stop();
  }

  private async seek(topic: string, partition: number, offset: bigint, first?: bigint): Promise<void> {
    this.folded.delete(`${topic}/${partition}`);
    this.seeks.set(`${topic}/${partition}`, { offset, ...(first === undefined ? {} : { first }) });
    await this.consumer.seek({ topic, partition, offset });
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
          await this.seek(topic, partition, nextOffset(checkpoint));
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
          markRestored: (p: number, checkpoint: string) => this.deps.store.markRestored(p, log, checkpoint, new Date()),
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
        await this.seek(batch.topic, partition, next, first);
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
    if (log === 'events') await this.folding.foldEvents(partition, checkpoint, lastRecord.offset, fresh, () => batch.heartbeat());
    else await this.folding.foldOutcomes(partition, checkpoint, lastRecord.offset, fresh);
    // Caught up with the log: a partition being restored is whole again (the watch would mark it within a second).
    // Marked only while the checkpoint is still this batch's: Redis that lost it meanwhile is read again, not marked.
    const caughtUp = BigInt(lastRecord.offset) + 1n >= BigInt(batch.highWatermark);
    const whole = restored || (caughtUp && (await store.markRestored(partition, log, lastRecord.offset, new Date())));
    this.folded.set(name, { checkpoint: lastRecord.offset, restored: whole });
  }
}
