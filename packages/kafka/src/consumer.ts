import type { Logger } from 'pino';
import { kafkajsOf, type KafkaClient } from './client.ts';
import { headersOf } from './partition.ts';

export interface IncomingRecord {
  readonly offset: string;
  readonly key: string | null;
  readonly value: Buffer | null;
  /** When the record was appended (LogAppendTime topics) or produced (CreateTime), epoch ms as text. */
  readonly timestamp: string;
  /** The record's headers as text (a repeated header: its first value). */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface PartitionBatch {
  readonly topic: string;
  readonly partition: number;
  readonly records: readonly IncomingRecord[];
  /** Offset after the last record in the partition at fetch time (lag = highWatermark - next offset). */
  readonly highWatermark: string;
  heartbeat(): Promise<void>;
  isRunning(): boolean;
}

/** What a consumer reports as it goes (metrics: packages/telemetry's consumerObserver). */
export interface ConsumerObserver {
  /** Running (after start) or not (stopped, or given up on by kafkajs). */
  running(groupId: string, running: boolean): void;
  crashed(groupId: string, restart: boolean): void;
  /** The partitions of a topic this member owns after a rebalance. */
  assigned(groupId: string, topic: string, partitions: readonly number[]): void;
  /** After a batch: records still to handle on the partition (high watermark − next offset), and how many were handled. */
  progress(groupId: string, topic: string, partition: number, lag: number, records: number): void;
}

/**
 * How often a consumer whose handler keeps its own checkpoint commits its offsets (`commitEveryMs`): the projection's
 * folds and the dispatch worker. A new owner reads at most about this much again, and skips it.
 */
export const CHECKPOINTED_COMMIT_EVERY_MS = 1_000;

export interface BatchConsumerOptions {
  readonly kafka: KafkaClient;
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly logger: Logger;
  /** Where a group with no committed offset starts. */
  readonly fromBeginning?: boolean;
  /** How long the group waits for a silent member before giving its partitions away (broker minimum 6 s). */
  readonly sessionTimeoutMs?: number;
  /** How many partitions are handled at once (each partition stays sequential). */
  readonly partitionsConcurrently?: number;
  /** How long a fetch waits for records when there are none (or fewer than `minBytes`), in ms (default 100). */
  readonly maxWaitMs?: number;
  /**
   * How many bytes of records a fetch waits for, up to `maxWaitMs` (default 1: it is answered as soon as there is a
   * record). A reader in no hurry sets more: fewer, fuller fetches, each costing both ends about the same CPU whatever it
   * brings.
   */
  readonly minBytes?: number;
  /**
   * The most one fetch brings of one partition, in bytes (default kafkajs's 1 MiB): a consumer that replays a long log
   * wants larger batches (fewer fetches, fewer writes of its own per record).
   */
  readonly maxBytesPerPartition?: number;
  /** The most one fetch brings in all, in bytes (default kafkajs's 10 MiB). */
  readonly maxBytes?: number;
  /**
   * Commits offsets at most this often, in ms: the newest of every partition handled since, in one request, after a
   * batch or, with none coming, by a timer; and on stop. 0 (the default): after every batch, before the next. For a
   * handler that keeps its own checkpoint and skips what it holds (a fold, the worker), a commit only saves re-reading:
   * committing a few times a second instead of after every one-record batch spares the broker most of its offset
   * writes and each batch a round trip (docs/performance.md). A member that fails or loses its partitions before the
   * commit has the new owner read up to that long again.
   */
  readonly commitEveryMs?: number;
  /** Called after each rebalance with the partitions this member now owns, before their batches. */
  readonly onAssigned?: (assignment: ReadonlyMap<string, readonly number[]>) => Promise<void> | void;
  /**
   * Handles one partition's batch. When it resolves, the batch is done and its offsets are committed to Kafka (at
   * once, or within `commitEveryMs`); when it throws, nothing is committed and kafkajs fetches the batch again. When
   * the partition was sought meanwhile (`RunningConsumer.seek`), the batch is dropped uncommitted and the partition
   * goes on from the sought offset.
   */
  readonly onBatch: (batch: PartitionBatch) => Promise<void>;
  /**
   * Called when kafkajs gave up on the consumer: it crashed and will not be restarted (a crash it restarts from is
   * only logged). The process should end so that its supervisor starts a fresh one; see exitOnDeadConsumer.
   */
  readonly onCrash?: (error: Error) => void;
  /** Told of progress, crashes and stops (metrics). */
  readonly observer?: ConsumerObserver;
}

/** Where a partition's next batch begins: `offset` is the first record read. */
export interface SeekTarget {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string | bigint;
}

export interface RunningConsumer {
  /** Leaves the group and disconnects. */
  stop(): Promise<void>;
  /**
   * Moves an owned partition: its next batch begins at `offset`; a batch of it being handled meanwhile
   * is not committed. Only after the consumer is running (from `onAssigned` on); while it is not (stopped, or
   * restarting after a crash) the seek is logged and dropped, never thrown.
   */
  seek(target: SeekTarget): void;
}

/**
 * A consumer with autoCommit off: offsets move only after the handler has made its batch durable.
 * The handler keeps its own checkpoint where its effects are (Redis), so a replay of a committed
 * batch is recognised there; the Kafka offset only saves re-reading.
 */
export async function runBatchConsumer(options: BatchConsumerOptions): Promise<RunningConsumer> {
  const { logger } = options;
  const consumer = kafkajsOf(options.kafka).consumer({
    groupId: options.groupId,
    allowAutoTopicCreation: false,
    sessionTimeout: options.sessionTimeoutMs ?? 10_000,
    heartbeatInterval: 1_000,
    rebalanceTimeout: 20_000,
    maxWaitTimeInMs: options.maxWaitMs ?? 100,
    ...(options.minBytes ? { minBytes: options.minBytes } : {}),
    ...(options.maxBytesPerPartition ? { maxBytesPerPartition: options.maxBytesPerPartition } : {}),
    ...(options.maxBytes ? { maxBytes: options.maxBytes } : {}),
  });
  consumer.on(consumer.events.GROUP_JOIN, (event) => {
    const assignment = new Map<string, number[]>(Object.entries(event.payload.memberAssignment));
    logger.info({ groupId: options.groupId, assignment: Object.fromEntries(assignment) }, 'partitions assigned');
    for (const topic of options.topics) options.observer?.assigned(options.groupId, topic, assignment.get(topic) ?? []);
  });
  consumer.on(consumer.events.CRASH, (event) => {
    const { error, restart } = event.payload;
    logger.error(
      { err: error, restart, groupId: options.groupId },
      restart ? 'consumer crashed: kafkajs restarts it' : 'consumer crashed for good',
    );
    options.observer?.crashed(options.groupId, restart);
    if (!restart) {
      options.observer?.running(options.groupId, false);
      options.onCrash?.(error);
    }
  });
  consumer.on(consumer.events.STOP, () => options.observer?.running(options.groupId, false));

  // Offsets handled but not yet committed (commitEveryMs > 0), by topic/partition; the newest wins.
  const commitEveryMs = options.commitEveryMs ?? 0;
  const uncommitted = new Map<string, { topic: string; partition: number; offset: string }>();
  let committedAt = 0;
  let flushTimer: NodeJS.Timeout | undefined;
  /** Commits what waits in one request; a refusal leaves it to the next (or to the partition's next owner). */
  const commitWaiting = async (): Promise<void> => {
    clearTimeout(flushTimer);
    flushTimer = undefined;
    committedAt = Date.now();
    if (uncommitted.size === 0) return;
    const offsets = [...uncommitted.values()];
    uncommitted.clear();
    await consumer.commitOffsets(offsets);
  };
  const commitLater = () => {
    flushTimer ??= setTimeout(() => {
      flushTimer = undefined;
      commitWaiting().catch((err: unknown) =>
        logger.debug({ err, groupId: options.groupId }, 'offsets not committed: left to the next commit or the next owner'),
      );
    }, commitEveryMs);
    flushTimer.unref();
  };
  // A new assignment: what waits may be of partitions now another member's, whose checkpoints say where they are.
  if (commitEveryMs > 0) consumer.on(consumer.events.GROUP_JOIN, () => uncommitted.clear());

  let assigned: Promise<void> = Promise.resolve();
  /** Set by `stop`: an assignment not taken by then is not taken again. */
  let stopped = false;
  if (options.onAssigned) {
    const onAssigned = options.onAssigned;
    let joins = 0;
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      const join = ++joins;
      const assignment = new Map<string, number[]>(Object.entries(event.payload.memberAssignment));
      // A throw of its own becomes the promise's rejection: it must not break kafkajs's join, whose event this is.
      assigned = (async () => {
        for (let attempt = 1; ; attempt++) {
          try {
            await onAssigned(assignment);
            return;
          } catch (err) {
            // Whatever the error (Redis too slow to answer, a broker away, a restore fenced by a member that claimed a
            // partition under an older assignment), the assignment is taken again here, a little later each time, until
            // it is taken or a newer one replaces it. Not left to the next batch: a partition with nothing new to fetch
            // brings none (kafkajs hands on no empty batch), and its timers would wait meanwhile. A worker whose Redis
            // timed out once while it took its partitions sat idle, escalating nothing, until a command came.
            if (join !== joins || stopped) throw err;
            const pauseMs = Math.min(attempt, 5) * RETAKE_PAUSE_MS;
            logger.warn({ err, groupId: options.groupId, attempt, pauseMs }, 'the assignment could not be taken: taking it again');
            await new Promise((r) => setTimeout(r, pauseMs));
            if (join !== joins || stopped) throw err;
          }
        }
      })();
      // A failed onAssigned fails the batches that wait for it (they are fetched again); until one does, its rejection
      // must not count as unhandled (Node would end the process).
      assigned.catch((err: unknown) => {
        if (join !== joins)
          logger.info(
            { err, groupId: options.groupId },
            'an assignment replaced by a newer one before it was taken: the newer one is taken',
          );
        else logger.warn({ err, groupId: options.groupId }, 'onAssigned failed');
      });
    });
  }

  await consumer.connect();
  for (const topic of options.topics) await consumer.subscribe({ topic, fromBeginning: options.fromBeginning ?? true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: options.partitionsConcurrently ?? 1,
    eachBatch: async (payload) => {
      const { batch } = payload;
      // The assignment taken first; one replaced meanwhile by a newer join is waited for in its stead.
      for (;;) {
        const awaited = assigned;
        try {
          await awaited;
          break;
        } catch (err) {
          if (awaited === assigned) throw err;
        }
      }
      if (batch.messages.length === 0 || !payload.isRunning() || payload.isStale()) return;
      await options.onBatch({
        topic: batch.topic,
        partition: batch.partition,
        highWatermark: batch.highWatermark,
        records: batch.messages.map((m) => ({
          offset: m.offset,
          key: m.key ? m.key.toString() : null,
          value: m.value,
          timestamp: m.timestamp,
          headers: headersOf(m.headers),
        })),
        heartbeat: () => payload.heartbeat(),
        isRunning: () => payload.isRunning(),
      });
      if (payload.isStale()) return;
      const last = batch.lastOffset();
      payload.resolveOffset(last);
      const done = { topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() };
      try {
        if (commitEveryMs > 0) {
          uncommitted.set(`${done.topic}/${done.partition}`, done);
          if (Date.now() - committedAt >= commitEveryMs) await commitWaiting();
          else commitLater();
        } else await consumer.commitOffsets([done]);
      } catch (err) {
        const moved = groupMovedOn(err);
        if (!moved) throw err;
        // The group went on without this member (it was silent past its session, e.g. on a starved CPU): the batch is
        // done, only its offset is not saved. The unwrapped refusal makes kafkajs join the group again, instead of
        // ending the consumer for good; whoever owns the partition next reads the batch again and finds it done.
        logger.warn(
          { groupId: options.groupId, topic: batch.topic, partition: batch.partition, offset: last, refusal: moved.type },
          'offset commit refused: the group moved on without this member; joining it again',
        );
        throw moved;
      }
      options.observer?.progress(
        options.groupId,
        batch.topic,
        batch.partition,
        Number(BigInt(batch.highWatermark) - BigInt(last) - 1n),
        batch.messages.length,
      );
    },
  });
  options.observer?.running(options.groupId, true);
  return {
    stop: async () => {
      stopped = true;
      // What was handled since the last commit is committed on the way out (a failure only means re-reading it).
      if (commitEveryMs > 0)
        await commitWaiting().catch((err: unknown) => logger.warn({ err, groupId: options.groupId }, 'offsets not committed on stop'));
      await consumer.disconnect();
    },
    seek: ({ topic, partition, offset }) => {
      try {
        consumer.seek({ topic, partition, offset: offset.toString() });
      } catch (err) {
        // kafkajs refuses while the consumer is not running: stopped, or between a crash and its restart. Its caller
        // loses nothing: every handler checks that a batch follows its checkpoint and seeks again if not.
        logger.warn(
          { err, groupId: options.groupId, topic, partition, offset: offset.toString() },
          'seek refused: the consumer is not running',
        );
      }
    },
  };
}

/** How long a member whose assignment could not be taken waits before it takes it again (times the attempt, up to 5). */
const RETAKE_PAUSE_MS = 1_000;

/** The refusals of a commit that mean the member is no longer in the group's current generation. */
const GROUP_MOVED_ON = new Set(['UNKNOWN_MEMBER_ID', 'ILLEGAL_GENERATION', 'REBALANCE_IN_PROGRESS']);

/**
 * The broker's refusal inside an error of kafkajs's commit (its retrier wraps a non-retriable refusal, and kafkajs's
 * runner recognises only the bare one), when it says the group moved on without this member.
 */
export function groupMovedOn(err: unknown): (Error & { type: string }) | undefined {
  // Only what kafkajs gave up on: a refusal it retries (a coordinator moving, a broker away) stays its own to handle.
  if ((err as { retriable?: unknown }).retriable !== false) return undefined;
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const type = (e as { type?: unknown }).type;
    if (typeof type === 'string' && GROUP_MOVED_ON.has(type)) return e as Error & { type: string };
  }
  return undefined;
}
