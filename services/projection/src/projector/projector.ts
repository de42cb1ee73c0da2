import type { EventVerifier } from '@gridgov/auth';
import { type GridEvent, type Topics } from '@gridgov/contracts';
import { applyEvent, type AreaTree, type CountedIncident } from '@gridgov/domain';
import { deadLetter, DurableProducer, sendDeadLetters, type DeadLetter, type KafkaClient, type PartitionBatch } from '@gridgov/kafka';
import { CheckpointConflict } from '@gridgov/redis';
import type { Logger } from '@gridgov/runtime';
import { traceFieldsOf, type ServiceMetrics } from '@gridgov/telemetry';
import { FoldedDeltas } from './counter-store.ts';
import type { ProjectionGenerations } from './generation.ts';
import { decodeEvent } from './event-decoding.ts';
import { consumerOf, type FoldConsumer, type FoldFeed, type LogFold } from './fold-consumer.ts';
import { RestoreWatch } from './restore-watch.ts';

/** What the counters' fold needs, besides its feed (a consumer shared with the read side's fold, or its own). */
export type ProjectorDeps = ProjectorParts & FoldFeed;

interface ProjectorParts {
  readonly kafka: KafkaClient;
  /** Where the counters are: the projector writes the current generation, read once per batch. */
  readonly generations: ProjectionGenerations;
  /** Writes this generation only, whatever is current (a rebuild filling the next one). */
  readonly generation?: number;
  readonly areas: AreaTree;
  /**
   * Waits (a bounded time) until the configuration in force is at least this version: events decided under a version
   * this instance has not read yet (a grid just added) are folded once it has (ADR 0024).
   */
  readonly configVersionReached?: (version: number) => Promise<void>;
  readonly topics: Topics;
  readonly logger: Logger;
  readonly clock: () => Date;
  /** Checks each record is an event the dispatch worker signed where it stands (ADR 0019) before anything in it counts. */
  readonly eventVerifier: EventVerifier;
  /**
   * 'send' (default): a record that fails its schema goes to the DLQ. 'count': it is only counted
   * (a rebuild: the live projector set it aside when it first met it).
   */
  readonly deadLetters?: 'send' | 'count';
  /** Told after each applied batch (live streams listen here). */
  readonly onApplied?: (partition: number, events: number) => void;
  /**
   * How often the live projector looks at partitions not marked whole (ADR 0009): marks them when caught up, re-reads
   * them when stalled. Default 1 s; a rebuild (a fixed generation) marks its partitions when it switches instead.
   */
  readonly watchMs?: number;
  /** Consumer lag, dead letters (ADR 0026); none in a rebuild. */
  readonly metrics?: ServiceMetrics;
  /**
   * The most writes (counter fields and incidents) one apply script makes; a larger batch is applied in parts. One event
   * whose own writes pass it is applied alone.
   */
  readonly applyWrites?: number;
}

/** What a projector has folded since it started. */
export interface ProjectorTotals {
  /** Records past the checkpoint, each applied, skipped or set aside. */
  readonly records: number;
  readonly applied: number;
  /** Versions already known (an outbox re-send). */
  readonly duplicates: number;
  /** Versions after a missing one: logged, not applied. */
  readonly gaps: number;
  /** Records that are not verified events of the worker, or fail their schema. */
  readonly deadLetters: number;
}

/**
 * Folds grid.events into counters, exactly once per incident version, checkpointed with the
 * counters. Positioning (ADR 0005): a batch is applied only if it follows the checkpoint of the
 * generation it writes; one that begins later is dropped and its partition sought back to
 * checkpoint + 1. Partitions are sought so on assignment and whenever the generation changes.
 */
export class Projector implements LogFold {
  private readonly producer: DurableProducer;
  private readonly consumer: FoldConsumer;
  private owned: readonly number[] = [];
  /** The last seek of each partition: a batch that again begins at the same later offset shows a hole in the log. */
  private readonly seeks = new Map<number, { generation: number; offset: bigint; first?: bigint }>();
  /**
   * Where this process's last applied batch of each partition left it (the generation, its checkpoint, whether the
   * partition is marked whole): the next batch that begins right after it needs no GET of the checkpoint. Redis keeps
   * the truth: the apply script refuses a checkpoint that moved (another instance, a wipe), which forgets the entry, as
   * every seek and failed batch does.
   */
  private readonly folded = new Map<number, { generation: number; checkpoint: string; restored: boolean }>();
  private unsubscribe: (() => void) | undefined;
  private readonly counts = { records: 0, applied: 0, duplicates: 0, gaps: 0, deadLetters: 0 };
  private readonly restoreWatch: RestoreWatch;
  private watch: NodeJS.Timeout | undefined;
  private stopping = false;

  constructor(private readonly deps: ProjectorDeps) {
    this.producer = new DurableProducer(deps.kafka);
    this.consumer = consumerOf(deps);
    this.restoreWatch = new RestoreWatch(deps.kafka, deps.logger, 'counters', (topic, partition, offset) => {
      this.folded.delete(partition);
      this.seeks.set(partition, { generation: this.deps.generations.current() ?? 0, offset });
      void this.consumer.seek({ topic, partition, offset });
    });
  }

  /** The topic it folds: grid.events. */
  get topics(): readonly string[] {
    return [this.deps.topics.events];
  }

  /** Positions the partitions now owned at their checkpoints and, live, looks at those not marked whole. */
  async assigned(assignment: ReadonlyMap<string, readonly number[]>): Promise<void> {
    this.owned = assignment.get(this.deps.topics.events) ?? [];
    await this.position(this.owned, 'assigned');
    if (this.live) await this.watchRestores().catch((err: unknown) => this.deps.logger.warn({ err }, 'counters: restore watch failed'));
  }

  fold(batch: PartitionBatch): Promise<void> {
    return this.onBatch(batch);
  }

  private get ownsConsumer(): boolean {
    return this.deps.consumer === undefined;
  }

  private get live(): boolean {
    return this.deps.generation === undefined;
  }

  /** Partitions of the current generation not marked whole: marked once caught up, re-read when stalled. */
  private async watchRestores(): Promise<void> {
    const store = this.deps.generations.store(await this.generation());
    await this.restoreWatch.look([
      {
        topic: this.deps.topics.events,
        partitions: this.owned,
        position: async (p) => ({ checkpoint: await store.checkpoint(p), restored: await store.isRestored(p) }),
        markRestored: (p, checkpoint) => store.markRestored(p, checkpoint, this.deps.clock()),
      },
    ]);
  }

  private scheduleWatch(): void {
    if (this.stopping || !this.live) return;
    this.watch = setTimeout(() => {
      this.watchRestores()
        .catch((err: unknown) => this.deps.logger.warn({ err }, 'counters: restore watch failed'))
        .finally(() => this.scheduleWatch());
    }, this.deps.watchMs ?? 1_000);
  }

  get totals(): ProjectorTotals {
    return { ...this.counts };
  }

  /**
   * Starts folding. With a consumer of its own it starts that too, and the live projector resolves once its first
   * assignment is positioned and looked at; with a shared one (`deps.consumer`) it joins it, and whoever starts the
   * consumer awaits its `whenAssigned`.
   */
  async start(): Promise<void> {
    if (this.sendsDeadLetters) await this.producer.connect();
    if (this.deps.generation === undefined) {
      this.unsubscribe = this.deps.generations.onChange((generation, previous) => {
        void this.position(this.owned, `generation ${previous} → ${generation}`);
      });
    }
    this.consumer.add(this);
    if (!this.ownsConsumer) return this.scheduleWatch();
    await this.consumer.start();
    this.scheduleWatch();
    if (this.live) await this.consumer.whenAssigned();
  }

  /** Stops folding; a shared consumer is its owner's to stop (before this). */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.watch);
    this.unsubscribe?.();
    if (this.ownsConsumer) await this.consumer.stop();
    if (this.sendsDeadLetters) await this.producer.disconnect();
  }

  private get sendsDeadLetters(): boolean {
    return (this.deps.deadLetters ?? 'send') === 'send';
  }

  /** The generation a batch writes: the fixed one, or the current one (one GET). */
  private generation(): Promise<number> {
    return this.deps.generation === undefined ? this.deps.generations.read() : Promise.resolve(this.deps.generation);
  }

  /**
   * Seeks partitions to the checkpoints of the generation now written. Failures are logged only:
   * a batch that does not follow its checkpoint is sought back anyway (onBatch).
   */
  private async position(partitions: readonly number[], reason: string): Promise<void> {
    if (partitions.length === 0) return;
    try {
      const generation = await this.generation();
      const checkpoints = await this.deps.generations.store(generation).checkpoints(partitions);
      const offsets: Record<number, string> = {};
      for (const [i, partition] of partitions.entries()) {
        this.folded.delete(partition);
        const offset = nextOffset(checkpoints[i] ?? '');
        this.seeks.set(partition, { generation, offset });
        await this.consumer.seek({ topic: this.deps.topics.events, partition, offset: offset.toString() });
        offsets[partition] = offset.toString();
      }
      this.deps.logger.info({ generation, offsets, reason }, 'partitions positioned at the checkpoints');
    } catch (err) {
      this.deps.logger.warn({ err, partitions, reason }, 'could not position partitions at their checkpoints');
    }
  }

  private async onBatch(batch: PartitionBatch): Promise<void> {
    try {
      await this.foldBatch(batch);
    } catch (err) {
      // The checkpoint moved under a remembered one (a wipe, another instance): fold the batch again from Redis's.
      if (this.folded.delete(batch.partition) && err instanceof CheckpointConflict) return this.foldBatch(batch);
      throw err;
    }
  }

  private async foldBatch(batch: PartitionBatch): Promise<void> {
    const { areas, logger } = this.deps;
    const partition = batch.partition;
    const firstRecord = batch.records[0];
    if (!firstRecord) return;
    const first = BigInt(firstRecord.offset);
    const generation = await this.generation();
    const store = this.deps.generations.store(generation);
    const memo = this.folded.get(partition);
    const continues = memo?.generation === generation && nextOffset(memo.checkpoint) === first;
    const from = continues ? memo.checkpoint : await store.checkpoint(partition);
    const next = nextOffset(from);
    if (first > next) {
      // The batch skips records this generation does not hold (a new generation, a fresh one, a
      // commit ahead of the checkpoint): read them first. The same later offset right after
      // seeking there means the log has a hole (records deleted): go on after it, loudly.
      const last = this.seeks.get(partition);
      if (!(last && last.generation === generation && last.offset === next && last.first === first)) {
        this.seeks.set(partition, { generation, offset: next, first });
        await this.consumer.seek({ topic: batch.topic, partition, offset: next.toString() });
        logger.info(
          { partition, generation, from: next.toString(), batchBegins: first.toString() },
          'batch begins after the checkpoint: re-reading',
        );
        return;
      }
      logger.error(
        { partition, generation, missing: `${next}..${first - 1n}` },
        'offsets missing from the events topic: going on after them',
      );
    }
    this.seeks.delete(partition);
    const fresh = batch.records.filter((r) => BigInt(r.offset) >= next);
    const lastRecord = fresh[fresh.length - 1];
    if (!lastRecord) return;

    const { events, traces, letters } = await this.decode(batch, fresh);
    const counted = events.filter((e): e is GridEvent => e !== undefined);
    await this.deps.configVersionReached?.(Math.max(0, ...counted.map((e) => e.metadata.configVersion ?? 0)));
    const known = await store.loadIncidents(partition, [...new Set(counted.map((e) => e.metadata.incidentId))]);
    if (letters.length > 0 && this.sendsDeadLetters) {
      logger.warn({ partition, count: letters.length, first: letters[0]?.reason }, 'events set aside to the DLQ');
      await sendDeadLetters(this.producer, this.deps.topics.dlq, letters);
      this.deps.metrics?.deadLetters.inc({ consumer: 'projection', topic: batch.topic }, letters.length);
    }
    // Applied in parts of at most applyWrites writes, each checkpointed at its last record: Redis runs one script at a
    // time, and a replay's batch folded whole held it (and every query) for seconds. Redis always holds the fold of a
    // prefix of the log; a crash between parts folds the rest again from the last part's checkpoint.
    const limit = this.deps.applyWrites ?? APPLY_WRITES;
    let touched = new Map<string, CountedIncident>();
    let deltas = new FoldedDeltas();
    let checkpoint = from;
    let parts = 0;
    /** What the part not yet applied holds: added to the totals once it is. */
    let part = { records: 0, applied: 0, duplicates: 0, gaps: 0, deadLetters: 0 };
    let duplicates = 0;
    const debug = logger.isLevelEnabled('debug');
    const applyPart = async (to: string): Promise<void> => {
      if (parts > 0) await batch.heartbeat();
      await store.apply(partition, checkpoint, to, touched, deltas);
      checkpoint = to;
      parts++;
      for (const key of Object.keys(part) as (keyof typeof part)[]) this.counts[key] += part[key];
      duplicates += part.duplicates;
      part = { records: 0, applied: 0, duplicates: 0, gaps: 0, deadLetters: 0 };
      touched = new Map();
      deltas = new FoldedDeltas();
      // A conflict in a later part folds the batch again from Redis's checkpoint (onBatch), not from the first part's.
      this.folded.set(partition, { generation, checkpoint: to, restored: continues && memo.restored });
    };
    /** The last record folded into the part not yet applied. */
    let previous: string | undefined;
    for (const [i, event] of events.entries()) {
      if (event) {
        const id = event.metadata.incidentId;
        const result = applyEvent(areas, known.get(id), event);
        if (debug)
          logger.debug({ incidentId: id, type: event.type, version: event.metadata.version, result: result.kind, ...traces[i] }, 'event');
        if (result.kind === 'duplicate') {
          part.duplicates++;
        } else if (result.kind === 'gap') {
          part.gaps++;
          logger.error(
            { incidentId: id, version: event.metadata.version, expected: result.expected, ...traces[i] },
            'event version gap: event not applied',
          );
        } else {
          // This event's writes would pass the bound: apply what came before it first.
          const writes = touched.size + deltas.size;
          if (previous !== undefined && writes > 0 && writes + 1 + result.changes.size > limit) await applyPart(previous);
          part.applied++;
          known.set(id, result.incident);
          touched.set(id, result.incident);
          deltas.add(result.changes);
        }
      }
      part.records++;
      if (!event) part.deadLetters++;
      previous = fresh[i]!.offset;
    }
    await applyPart(lastRecord.offset);
    let restored = continues && memo.restored;
    // Caught up with the log: a partition being restored is whole again (the watch would mark it within a second).
    // Marked only while the checkpoint is still this batch's: Redis that lost it meanwhile is read again, not marked.
    if (this.live && !restored && BigInt(lastRecord.offset) + 1n >= BigInt(batch.highWatermark)) {
      restored = (await store.isRestored(partition)) || (await store.markRestored(partition, lastRecord.offset, this.deps.clock()));
    }
    this.folded.set(partition, { generation, checkpoint: lastRecord.offset, restored });
    logger.debug({ partition, generation, events: counted.length, duplicates, parts, offset: lastRecord.offset }, 'batch applied');
    this.deps.onApplied?.(partition, counted.length);
  }

  /**
   * Each fresh record's event (undefined: set aside, with its dead letter) and trace, in log order. Nothing in a record
   * is believed before its signature (ADR 0019): a forged or moved event counts nothing.
   */
  private async decode(
    batch: PartitionBatch,
    fresh: PartitionBatch['records'],
  ): Promise<{ events: (GridEvent | undefined)[]; traces: ReturnType<typeof traceFieldsOf>[]; letters: DeadLetter[] }> {
    const { partition } = batch;
    const events: (GridEvent | undefined)[] = [];
    const traces: ReturnType<typeof traceFieldsOf>[] = [];
    const letters: DeadLetter[] = [];
    for (const [i, record] of fresh.entries()) {
      // Checking signatures takes CPU: a long batch tells the group it is alive (kafkajs sends at most one per interval).
      if (i % HEARTBEAT_EVERY === HEARTBEAT_EVERY - 1) await batch.heartbeat();
      const parsed = decodeEvent(this.deps.eventVerifier, batch.topic, partition, record);
      traces.push(traceFieldsOf(record.headers));
      if (parsed.ok) {
        events.push(parsed.value);
      } else {
        events.push(undefined);
        this.deps.logger.warn(
          { incidentId: record.key, partition, offset: record.offset, reason: parsed.reason, ...traces[i] },
          'an event not counted',
        );
        letters.push(deadLetter('projection', batch, record, parsed.reason, this.deps.clock()));
      }
    }
    return { events, traces, letters };
  }
}

/**
 * The most writes one apply script makes by default: about 10 ms of Redis's time (docs/performance.md). A replay's
 * batch of 1,000 events writes 50,000–100,000 counter fields, which held Redis for 0.3–3 s in one script.
 */
export const APPLY_WRITES = 10_000;

/** Records between two heartbeats while a batch's signatures are checked. */
export const HEARTBEAT_EVERY = 500;

/** The offset after a checkpoint: 0 when there is none. */
function nextOffset(checkpoint: string): bigint {
  return checkpoint === '' ? 0n : BigInt(checkpoint) + 1n;
}
