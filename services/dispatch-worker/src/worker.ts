import { caseQueueKey, incidentHistoryKey, incidentViewKey, outcomeKey, reporterCasesKey, type Topics } from '@gridgov/contracts';
import type { DecisionContext } from '@gridgov/domain';
import { DurableProducer, runBatchConsumer, type OutgoingRecord, type PartitionBatch, type RunningConsumer } from '@gridgov/kafka';
import type { Clock, Redis } from '@gridgov/redis';
import type { Logger } from '@gridgov/runtime';
import type { KafkaClient } from '@gridgov/kafka';
import { BatchDecider, parseCommandRecord } from './decide-batch.ts';
import { PartitionStore, type OutboxEntry } from './partition-store.ts';

export interface WorkerDeps {
  readonly kafka: KafkaClient;
  readonly redis: Redis;
  readonly logger: Logger;
  readonly topics: Topics;
  readonly groupId: string;
  readonly keyPrefix: string;
  readonly context: DecisionContext;
  readonly partitionsConcurrently: number;
  readonly outcomeTtlSeconds: number;
  /** The worker's clock; tests move their own. */
  readonly clock: Clock;
  /** How soon a silent worker loses its partitions, in ms. */
  readonly sessionTimeoutMs?: number;
  /** How often each owned partition's due timers are looked at. */
  readonly timerPollMs: number;
  /** Keys a command envelope may be signed with: the current one, then any being rotated out (ADR 0006). */
  readonly signingKeys: readonly string[];
}

interface Owned {
  readonly store: PartitionStore;
  readonly epoch: number;
  /** Commands and timers of one partition take turns: both read and write its incidents. */
  turn: Promise<void>;
}

const RELAY_CHUNK = 1000;
const TIMER_CHUNK = 500;

/**
 * The dispatch worker: owns the commands partitions the group gives it, decides each command
 * against the incident's state, and commits states + outbox in one Redis script before anything
 * is produced. The relay then produces the outbox and trims it.
 */
export class DispatchWorker {
  private readonly producer: DurableProducer;
  private readonly owned = new Map<number, Owned>();
  private consumer: RunningConsumer | undefined;
  private timerLoop: NodeJS.Timeout | undefined;
  private stopping = false;

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
      ...(this.deps.sessionTimeoutMs ? { sessionTimeoutMs: this.deps.sessionTimeoutMs } : {}),
      onAssigned: (assignment) => this.onAssigned(assignment.get(this.deps.topics.commands) ?? []),
      onBatch: (batch) => this.inTurn(batch.partition, () => this.onBatch(batch)),
    });
    this.scheduleTimers();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timerLoop);
    await this.consumer?.stop();
    await Promise.all([...this.owned.values()].map((o) => o.turn));
    await this.producer.disconnect();
  }

  /** Runs `work` after whatever the partition is already doing. */
  private inTurn<T>(partition: number, work: () => Promise<T>): Promise<T> {
    const owner = this.owned.get(partition);
    if (!owner) return work();
    const run = owner.turn.then(work);
    owner.turn = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private scheduleTimers(): void {
    if (this.stopping) return;
    this.timerLoop = setTimeout(() => {
      this.fireDueTimers()
        .catch((err: unknown) => this.deps.logger.error({ err }, 'timer pass failed'))
        .finally(() => this.scheduleTimers());
    }, this.deps.timerPollMs);
  }

  /** One pass over every owned partition: ticks the incidents whose timers are due now. */
  async fireDueTimers(): Promise<number> {
    // Partitions are independent: their timers fire side by side.
    const fired = await Promise.all(
      this.ownedPartitions.map((partition) =>
        this.inTurn(partition, () => this.firePartitionTimers(partition)).catch((err: unknown) => {
          this.deps.logger.warn({ err, partition }, 'timers of partition not fired');
          return 0;
        }),
      ),
    );
    return fired.reduce((a, b) => a + b, 0);
  }

  private async firePartitionTimers(partition: number): Promise<number> {
    let fired = 0;
    const owner = this.owned.get(partition);
    if (!owner) return fired;
    const now = await this.deps.clock();
    for (;;) {
      const due = await owner.store.dueTimers(now.getTime(), TIMER_CHUNK);
      if (due.length === 0) return fired;
      const fromCheckpoint = await owner.store.checkpoint();
      const decider = new BatchDecider(await owner.store.loadStates(due), this.deps.context, this.deps.topics, now, this.deps.logger);
      for (const incidentId of due) decider.tick(incidentId);
      await owner.store.apply({ epoch: owner.epoch, fromCheckpoint, toCheckpoint: fromCheckpoint, ...decider });
      await this.relay(partition);
      fired += due.length;
      if (due.length < TIMER_CHUNK) return fired;
    }
  }

  get ownedPartitions(): number[] {
    return [...this.owned.keys()].sort((a, b) => a - b);
  }

  private async onAssigned(partitions: readonly number[]): Promise<void> {
    // Let work under way finish (a fenced write fails on its own) before the new epochs are taken.
    await Promise.all([...this.owned.values()].map((o) => o.turn));
    this.owned.clear();
    for (const partition of partitions) {
      const store = new PartitionStore(this.deps.redis, this.deps.keyPrefix, partition);
      const epoch = await store.takeOwnership();
      this.owned.set(partition, { store, epoch, turn: Promise.resolve() });
      // What a previous owner committed but did not get to send goes out first, in the partition's
      // turn: two relays of one outbox at once could trim entries the other had not sent.
      await this.inTurn(partition, () => this.relay(partition));
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

    const parsed = fresh.map((r) => parseCommandRecord(r, this.deps.signingKeys));
    const ids = [...new Set(parsed.flatMap((p) => (p.ok ? [p.envelope.incidentId] : [])))];
    const decider = new BatchDecider(
      await store.loadStates(ids),
      this.deps.context,
      this.deps.topics,
      await this.deps.clock(),
      this.deps.logger,
    );
    for (const item of parsed) {
      if (item.ok) decider.command(item.envelope);
      else decider.deadLetter(batch, item.record, item.reason);
    }
    const last = fresh[fresh.length - 1];
    if (!last) return;
    await store.apply({
      epoch,
      fromCheckpoint,
      toCheckpoint: last.offset,
      states: decider.states,
      timers: decider.timers,
      outbox: decider.outbox,
    });
    await this.relay(batch.partition);
  }

  /** Produces the partition's outbox (acks=all), stores outcomes, then trims what was sent. */
  private async relay(partition: number): Promise<void> {
    const owner = this.owned.get(partition);
    if (!owner) return;
    for (;;) {
      const { raw, entries } = await owner.store.pendingOutbox(RELAY_CHUNK);
      if (entries.length === 0) return;
      await this.send(entries);
      await owner.store.trimOutbox(owner.epoch, entries.length, raw[raw.length - 1]!);
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
      } else if (entry.kind === 'outcome') {
        outcomes.set(outcomeKey(this.deps.keyPrefix, entry.commandId), entry.value, 'EX', this.deps.outcomeTtlSeconds);
        outcomeCount++;
      } else {
        // Idempotent writes: a re-relayed view or history line lands on the same key and field.
        outcomes.set(incidentViewKey(this.deps.keyPrefix, entry.incidentId), entry.value);
        if (entry.history.length > 0) outcomes.hset(incidentHistoryKey(this.deps.keyPrefix, entry.incidentId), ...entry.history.flat());
        // Work lists after the view: a list never names a case whose view is older than the list (ADR 0008).
        const lists = entry.lists;
        if (lists) {
          for (const area of lists.areas) {
            for (const queue of lists.remove) outcomes.zrem(caseQueueKey(this.deps.keyPrefix, area, queue), entry.incidentId);
            for (const queue of lists.add) outcomes.zadd(caseQueueKey(this.deps.keyPrefix, area, queue), lists.score, entry.incidentId);
          }
          if (lists.reporterId) outcomes.zadd(reporterCasesKey(this.deps.keyPrefix, lists.reporterId), lists.score, entry.incidentId);
        }
        outcomeCount++;
      }
    }
    await this.producer.sendMany(byTopic);
    // Outcomes and views are written after the events are durable, so a caller who sees "accepted" can read the events.
    if (outcomeCount > 0) await outcomes.exec();
  }
}
