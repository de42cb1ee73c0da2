import { outcomeKey, type Topics } from '@gridgov/contracts';
import type { DecisionContext } from '@gridgov/domain';
import { DurableProducer, runBatchConsumer, type OutgoingRecord, type PartitionBatch, type RunningConsumer } from '@gridgov/kafka';
import type { Redis } from '@gridgov/redis';
import type { Logger } from '@gridgov/runtime';
import type { Kafka } from 'kafkajs';
import { decideBatch, parseCommandRecord } from './decide-batch.ts';
import { PartitionStore, type OutboxEntry } from './partition-store.ts';

export interface WorkerDeps {
  readonly kafka: Kafka;
  readonly redis: Redis;
  readonly logger: Logger;
  readonly topics: Topics;
  readonly groupId: string;
  readonly keyPrefix: string;
  readonly context: DecisionContext;
  readonly partitionsConcurrently: number;
  readonly outcomeTtlSeconds: number;
  /** The worker's clock; tests pass their own. */
  readonly clock: () => Date;
}

const RELAY_CHUNK = 1000;

/**
 * The dispatch worker: owns the commands partitions the group gives it, decides each command
 * against the incident's state, and commits states + outbox in one Redis script before anything
 * is produced. The relay then produces the outbox and trims it.
 */
export class DispatchWorker {
  private readonly producer: DurableProducer;
  private readonly owned = new Map<number, { store: PartitionStore; epoch: number }>();
  private consumer: RunningConsumer | undefined;

  constructor(private readonly deps: WorkerDeps) {
    this.producer = new DurableProducer(deps.kafka);
  }

  async start(): Promise<void> {
    await this.producer.connect();
    this.consumer = await runBatchConsumer({
      kafka: this.deps.kafka,
      groupId: this.deps.groupId,
      topics: [this.deps.topics.commands],
      logger: this.deps.logger,
      partitionsConcurrently: this.deps.partitionsConcurrently,
      onAssigned: (assignment) => this.onAssigned(assignment.get(this.deps.topics.commands) ?? []),
      onBatch: (batch) => this.onBatch(batch),
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.stop();
    await this.producer.disconnect();
  }

  get ownedPartitions(): number[] {
    return [...this.owned.keys()].sort((a, b) => a - b);
  }

  private async onAssigned(partitions: readonly number[]): Promise<void> {
    this.owned.clear();
    for (const partition of partitions) {
      const store = new PartitionStore(this.deps.redis, this.deps.keyPrefix, partition);
      const epoch = await store.takeOwnership();
      this.owned.set(partition, { store, epoch });
      // What a previous owner committed but did not get to send goes out first.
      await this.relay(partition);
    }
    this.deps.logger.info({ partitions: this.ownedPartitions }, 'owning command partitions');
  }

  private async onBatch(batch: PartitionBatch): Promise<void> {
    const owner = this.owned.get(batch.partition);
    if (!owner) throw new Error(`batch for partition ${batch.partition}, which this worker does not own`);
    const { store, epoch } = owner;
    const fromCheckpoint = await store.checkpoint();
    const fresh = fromCheckpoint === '' ? batch.records : batch.records.filter((r) => BigInt(r.offset) > BigInt(fromCheckpoint));
    if (fresh.length === 0) return;

    const parsed = fresh.map(parseCommandRecord);
    const ids = [...new Set(parsed.flatMap((p) => (p.ok ? [p.envelope.incidentId] : [])))];
    const loaded = await store.loadStates(ids);
    const decided = decideBatch(batch, parsed, loaded, this.deps.context, this.deps.topics, this.deps.clock(), this.deps.logger);
    const last = fresh[fresh.length - 1];
    if (!last) return;
    await store.apply({ epoch, fromCheckpoint, toCheckpoint: last.offset, states: decided.states, outbox: decided.outbox });
    await this.relay(batch.partition);
  }

  /** Produces the partition's outbox (acks=all), stores outcomes, then trims what was sent. */
  private async relay(partition: number): Promise<void> {
    const owner = this.owned.get(partition);
    if (!owner) return;
    for (;;) {
      const entries = await owner.store.pendingOutbox(RELAY_CHUNK);
      if (entries.length === 0) return;
      await this.send(entries);
      await owner.store.trimOutbox(owner.epoch, entries.length);
      if (entries.length < RELAY_CHUNK) return;
    }
  }

  private async send(entries: readonly OutboxEntry[]): Promise<void> {
    const byTopic = new Map<string, OutgoingRecord[]>();
    const outcomes = this.deps.redis.pipeline();
    let outcomeCount = 0;
    for (const entry of entries) {
      if (entry.kind === 'record') {
        const list = byTopic.get(entry.topic) ?? [];
        list.push({ key: entry.key, value: entry.value });
        byTopic.set(entry.topic, list);
      } else {
        outcomes.set(outcomeKey(this.deps.keyPrefix, entry.commandId), entry.value, 'EX', this.deps.outcomeTtlSeconds);
        outcomeCount++;
      }
    }
    await this.producer.sendMany(byTopic);
    // Outcomes are written after the events are durable, so a caller who sees "accepted" can read the events.
    if (outcomeCount > 0) await outcomes.exec();
  }
}
